// How the scanner's answer to a scan submission becomes a scan outcome, and
// how a failed answer is quoted for the operator, without any socket.
#include "net/scanner_reply.hpp"

#include <catch2/catch.hpp>

#include <string>

using deltascan::failure_kind;
using deltascan::scan_outcome;
using deltascan::net::interpret_scanner_reply;
using deltascan::net::printable_excerpt;

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

} // namespace

TEST_CASE("scanner reply with a scan id and created flag is a success",
          "[net][scanner_client]") {
  CHECK(interpret_scanner_reply(200, "OK",
                                R"({"scanId":"scan-42","created":true})") ==
        scan_outcome::success("scan-42", true, 200));
  CHECK(
      interpret_scanner_reply(202, "", R"( {"created":false,"scanId":"s"} )") ==
      scan_outcome::success("s", false, 202));
}

TEST_CASE("scanner reply may carry other members of any shape",
          "[net][scanner_client]") {
  auto body = R"({"status":"queued","scanId":"a\"b\u00e9","links":)"
              R"({"self":["/x",1,-2.5e3,null,true,{}]},"created":true})";
  CHECK(interpret_scanner_reply(201, "Created", body) ==
        scan_outcome::success("a\"b\xc3\xa9", true, 201));
}

TEST_CASE("scanner reply that is not JSON or not a whole object fails",
          "[net][scanner_client]") {
  auto body = GENERATE(as<std::string>{}, "", "queued",
                       R"({"scanId":"a","created":true)",
                       R"({"scanId":"a","created":true} {})",
                       R"({"scanId":"a","created":true,"x":[1,tru]})",
                       R"({"scanId":"a","created":true,"x":{"y":}})",
                       R"({"scanId":"a\q","created":true})");
  INFO("reply body: " << body);
  auto outcome = interpret_scanner_reply(200, "OK", body);
  CHECK_FALSE(outcome.accepted);
  CHECK(outcome.kind == failure_kind::invalid_reply);
  CHECK(outcome.status == 200);
  CHECK(starts_with(outcome.reason, "scanner reply is not valid JSON: "));
}

TEST_CASE("scanner reply without a usable scan id or flag fails by name",
          "[net][scanner_client]") {
  auto [body, reason] = GENERATE(table<std::string, std::string>({
      {"[1,2]", "scanner reply is not a JSON object"},
      {"\"scan-1\"", "scanner reply is not a JSON object"},
      {R"({"created":true})", "scanner reply lacks scanId"},
      {R"({"scanId":"","created":true})", "scanner reply lacks scanId"},
      {R"({"scanId":7,"created":true})",
       "scanner reply has a scanId that is not a string"},
      {R"({"scanId":"s","created":1})",
       "scanner reply has a created that is not a boolean"},
      {R"({"scanId":"s","created":null})",
       "scanner reply has a created that is not a boolean"},
      {R"({"scanId":"s"})", "scanner reply lacks created"},
  }));
  INFO("reply body: " << body);
  CHECK(interpret_scanner_reply(200, "OK", body) ==
        scan_outcome::failure(reason, failure_kind::invalid_reply, 200));
}

TEST_CASE("scanner error status is reported with its phrase and body",
          "[net][scanner_client]") {
  CHECK(
      interpret_scanner_reply(500, "Internal Server Error", "boom") ==
      scan_outcome::failure("scanner answered 500 Internal Server Error: boom",
                            failure_kind::server_error, 500));
  // Without a phrase from the scanner the standard one is used.
  CHECK(interpret_scanner_reply(429, "", "") ==
        scan_outcome::failure("scanner answered 429 Too Many Requests",
                              failure_kind::throttled, 429));
  CHECK(interpret_scanner_reply(490, "", "x") ==
        scan_outcome::failure("scanner answered 490: x", failure_kind::rejected,
                              490));
  // A redirect is not followed: the configured URL is wrong.
  CHECK(interpret_scanner_reply(301, "Moved Permanently",
                                R"({"scanId":"s","created":true})")
            .reason == R"(scanner answered 301 Moved Permanently: )"
                       R"({"scanId":"s","created":true})");
}

TEST_CASE("scanner error body is quoted on one printable line, cut at 200",
          "[net][scanner_client]") {
  std::string body = "line one\r\nline\ttwo\x01\xff";
  CHECK(printable_excerpt(body) == "line one  line two??");
  std::string long_body(300, 'x');
  auto reason = interpret_scanner_reply(502, "Bad Gateway", long_body).reason;
  CHECK(reason ==
        "scanner answered 502 Bad Gateway: " + std::string(200, 'x') + "...");
  CHECK(printable_excerpt(std::string(200, 'y')) == std::string(200, 'y'));
}
