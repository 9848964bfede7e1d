// The stub scanner's scripted faults, as tests drive them in process and
// process tests drive them over `POST /stub/faults`: each scan submission
// takes the next fault, the answer is exactly the one scripted, bad scripts
// are refused with a problem naming what is wrong, and every attempt is
// recorded with its clientRequestId and the answer it got.
#include "net/problem.hpp"
#include "net/stub_scanner.hpp"
#include "tests/net/server_test_support.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <string>
#include <vector>

using namespace deltascan::net;
using namespace deltascan::net::server_test;

namespace {

std::string submission(std::string_view digest, std::string_view request_id) {
  return R"({"image":{"digest":")" + std::string{digest} +
         R"("},"clientRequestId":")" + std::string{request_id} + R"("})";
}

/// A stub scanner served on a loopback port, with a connected client.
struct stub_fixture {
  stub_fixture() {
    stub = std::make_shared<stub_scanner>(runner.io_context().get_executor());
    runner.start(stub);
    REQUIRE_FALSE(client.connect(runner.endpoint()));
  }

  http_response submit(std::string_view request_id,
                       std::string_view digest = "sha256:aaa") {
    return client.exchange(make_request(http::verb::post, "/api/v1/scans",
                                        submission(digest, request_id),
                                        "application/json"));
  }

  http_response script(std::string body) {
    return client.exchange(make_request(http::verb::post, "/stub/faults",
                                        std::move(body), "application/json"));
  }

  server_runner runner;
  std::shared_ptr<stub_scanner> stub;
  test_client client;
};

std::string header(const http_response& res, http::field name) {
  return std::string{res[name]};
}

} // namespace

TEST_CASE("scripted faults answer the next submissions in order",
          "[stub][faults]") {
  stub_fixture f;
  REQUIRE(f.stub->script_faults({
      stub_fault::answer(503, "", "1"),
      stub_fault::answer(429, R"({"detail":"slow down"})", "2"),
      stub_fault::answer(400, "bad submission"),
      stub_fault::invalid_reply(),
  }));
  CHECK(f.stub->pending_faults() == 4);
  auto unavailable = f.submit("r1");
  CHECK(unavailable.result_int() == 503);
  CHECK(header(unavailable, http::field::retry_after) == "1");
  CHECK(unavailable.body().empty());
  auto throttled = f.submit("r2");
  CHECK(throttled.result_int() == 429);
  CHECK(header(throttled, http::field::retry_after) == "2");
  CHECK(header(throttled, http::field::content_type) == "application/json");
  CHECK(throttled.body() == R"({"detail":"slow down"})");
  auto rejected = f.submit("r3");
  CHECK(rejected.result_int() == 400);
  CHECK(rejected.count(http::field::retry_after) == 0);
  CHECK(header(rejected, http::field::content_type) == "text/plain");
  CHECK(rejected.body() == "bad submission");
  auto invalid = f.submit("r4");
  CHECK(invalid.result_int() == 200);
  CHECK(invalid.body() == R"({"status":"queued"})");
  CHECK(f.stub->pending_faults() == 0);
  // Then the usual behaviour, on the same connection.
  auto accepted = f.submit("r5");
  CHECK(accepted.result() == http::status::accepted);
  auto stats = f.stub->stats();
  CHECK(stats.received == 5);
  CHECK(stats.scripted == 4);
  CHECK(stats.accepted == 1);
  CHECK(stats.failed == 0);
  auto recorded = f.stub->requests();
  REQUIRE(recorded.size() == 5);
  const char* ids[] = {"r1", "r2", "r3", "r4", "r5"};
  unsigned answers[] = {503, 429, 400, 200, 202};
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("submission " << i);
    CHECK(recorded[i].client_request_id == ids[i]);
    CHECK(recorded[i].answer == answers[i]);
    CHECK(recorded[i].scripted == (i < 4));
    CHECK(recorded[i].body == submission("sha256:aaa", ids[i]));
  }
}

TEST_CASE("a scripted drop closes the connection without an answer",
          "[stub][faults]") {
  stub_fixture f;
  REQUIRE(f.stub->script_faults({stub_fault::drop()}));
  REQUIRE_FALSE(f.client.send(make_request(http::verb::post, "/api/v1/scans",
                                           submission("sha256:aaa", "r1"),
                                           "application/json")));
  CHECK(f.client.closed_by_server());
  auto recorded = f.stub->requests();
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].answer == 0);
  CHECK(recorded[0].scripted);
  CHECK(f.stub->stats().accepted == 0);
}

TEST_CASE("a scripted slow answer still queues the scan", "[stub][faults]") {
  stub_fixture f;
  REQUIRE(f.stub->script_faults({stub_fault::slow(20ms)}));
  auto res = f.submit("r1");
  CHECK(res.result() == http::status::accepted);
  auto recorded = f.stub->requests();
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].answer == 202);
  CHECK(recorded[0].scripted);
  CHECK(f.stub->stats().accepted == 1);
}

TEST_CASE("a scripted fault wins over the random failure rate",
          "[stub][faults]") {
  stub_fixture f;
  f.stub->set_failure_rate(1.0);
  REQUIRE(f.stub->script_faults({stub_fault::slow(std::chrono::milliseconds{0}),
                                 stub_fault::answer(502)}));
  CHECK(f.submit("r1").result() == http::status::accepted);
  CHECK(f.submit("r2").result_int() == 502);
  CHECK(f.submit("r3").result() == http::status::internal_server_error);
  auto stats = f.stub->stats();
  CHECK(stats.scripted == 2);
  CHECK(stats.failed == 1);
}

TEST_CASE("unusable faults are refused in process", "[stub][faults]") {
  stub_fixture f;
  auto bad_status = stub_fault::answer(700);
  auto informational = stub_fault::answer(101);
  auto negative = stub_fault::slow(std::chrono::milliseconds{-1});
  auto endless = stub_fault::slow(std::chrono::hours{1});
  for (const auto& fault : {bad_status, informational, negative, endless}) {
    CHECK_FALSE(f.stub->script_faults({stub_fault::answer(503), fault}));
    CHECK(f.stub->pending_faults() == 0);
  }
  // A drop or an acceptance ignores the status.
  auto drop = stub_fault::drop();
  drop.status = 0;
  CHECK(f.stub->script_faults({drop}));
  CHECK(f.stub->pending_faults() == 1);
}

TEST_CASE("faults are scripted over HTTP", "[stub][faults]") {
  stub_fixture f;
  auto res = f.script(R"([{"status":503,"retryAfter":"3"},)"
                      R"({"status":429,"retryAfter":1,"body":"wait"},)"
                      R"({"action":"accept","delayMs":0},)"
                      R"({"action":"respond","status":200,"body":"{}"}])");
  CHECK(res.result() == http::status::ok);
  CHECK(res.body() == R"({"pending":4})");
  CHECK(f.stub->pending_faults() == 4);
  // An empty list only asks how many are left.
  CHECK(f.script("[]").body() == R"({"pending":4})");
  auto first = f.submit("r1");
  CHECK(first.result_int() == 503);
  CHECK(header(first, http::field::retry_after) == "3");
  auto second = f.submit("r2");
  CHECK(second.result_int() == 429);
  CHECK(header(second, http::field::retry_after) == "1");
  CHECK(second.body() == "wait");
  CHECK(f.submit("r3").result() == http::status::accepted);
  auto fourth = f.submit("r4");
  CHECK(fourth.result_int() == 200);
  CHECK(fourth.body() == "{}");
  CHECK(f.script("[]").body() == R"({"pending":0})");
}

TEST_CASE("a drop scripted over HTTP closes the connection", "[stub][faults]") {
  stub_fixture f;
  CHECK(f.script(R"([{"action":"close"}])").result() == http::status::ok);
  REQUIRE_FALSE(f.client.send(make_request(http::verb::post, "/api/v1/scans",
                                           submission("sha256:aaa", "r1"),
                                           "application/json")));
  CHECK(f.client.closed_by_server());
  CHECK(f.stub->requests().size() == 1);
}

TEST_CASE("a bad fault script gets 400 naming what is wrong",
          "[stub][faults]") {
  auto [body, detail] = GENERATE(table<std::string, std::string>({
      {"[{", "body is not valid JSON"},
      {R"({"status":503})", "body must be a JSON array of faults"},
      {"[503]", "fault 0 must be a JSON object"},
      {R"([{"status":503},{}])", "fault 1 answers, so it needs a status"},
      {R"([{"status":"503"}])", "fault 0.status must be an HTTP status code"},
      {R"([{"status":-1}])", "fault 0.status must be an HTTP status code"},
      {R"([{"status":1000}])", "fault 0.status must be an HTTP status code"},
      {R"([{"status":700}])", "fault 0: status 700 is outside 200 to 599"},
      {R"([{"status":100}])", "fault 0: status 100 is outside 200 to 599"},
      {R"([{"action":"reset"}])",
       "fault 0.action must be respond, accept or close, got 'reset'"},
      {R"([{"action":1}])", "fault 0.action must be a string"},
      {R"([{"status":503,"retryAfter":-1}])",
       "fault 0.retryAfter must be a string or a non-negative integer"},
      {R"([{"status":503,"body":{}}])", "fault 0.body must be a string"},
      {R"([{"action":"accept","delayMs":60001}])",
       "fault 0.delayMs must be an integer from 0 to 60000"},
      {R"([{"action":"accept","delayMs":1.5}])",
       "fault 0.delayMs must be an integer from 0 to 60000"},
      {R"([{"status":503,"retry_after":"1"}])",
       "fault 0 has an unknown member 'retry_after'"},
  }));
  stub_fixture f;
  auto res = f.script(body);
  INFO("script: " << body);
  CHECK(res.result() == http::status::bad_request);
  CHECK(header(res, http::field::content_type) == problem_content_type);
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->detail.rfind(detail, 0) == 0);
  // Nothing of a refused script is kept.
  CHECK(f.stub->pending_faults() == 0);
}

TEST_CASE("a fault script must be JSON by content type", "[stub][faults]") {
  stub_fixture f;
  auto res = f.client.exchange(make_request(
      http::verb::post, "/stub/faults", R"([{"status":503}])", "text/plain"));
  CHECK(res.result() == http::status::unsupported_media_type);
  CHECK(f.stub->pending_faults() == 0);
  // The refusal closed that connection: its body was never read.
  test_client other;
  REQUIRE_FALSE(other.connect(f.runner.endpoint()));
  auto get = other.exchange(make_request(http::verb::get, "/stub/faults"));
  CHECK(get.result() == http::status::method_not_allowed);
  CHECK(header(get, http::field::allow) == "POST");
}

TEST_CASE("a reset drops pending faults", "[stub][faults]") {
  stub_fixture f;
  REQUIRE(f.stub->script_faults({stub_fault::answer(503)}));
  auto reset = f.client.exchange(make_request(http::verb::post, "/stub/reset"));
  CHECK(reset.result() == http::status::ok);
  CHECK(f.stub->pending_faults() == 0);
  CHECK(f.submit("r1").result() == http::status::accepted);
  REQUIRE(f.stub->script_faults({stub_fault::answer(503)}));
  f.stub->clear_faults();
  CHECK(f.submit("r2").result() == http::status::accepted);
}

TEST_CASE("the recorded submissions list the attempts and their answers",
          "[stub][faults]") {
  stub_fixture f;
  REQUIRE(f.stub->script_faults({stub_fault::answer(503)}));
  f.submit("r1");
  f.submit("r1");
  f.client.exchange(make_request(http::verb::post, "/api/v1/scans",
                                 R"({"image":{}})", "application/json"));
  auto listed =
      f.client.exchange(make_request(http::verb::get, "/stub/requests"));
  simdjson::dom::parser parser;
  simdjson::dom::array entries;
  REQUIRE_FALSE(parser.parse(listed.body()).get(entries));
  REQUIRE(entries.size() == 3);
  std::string_view id;
  std::uint64_t answer = 0;
  bool scripted = false;
  REQUIRE_FALSE(entries.at(0)["clientRequestId"].get(id));
  CHECK(id == "r1");
  REQUIRE_FALSE(entries.at(0)["answer"].get(answer));
  CHECK(answer == 503);
  REQUIRE_FALSE(entries.at(0)["scripted"].get(scripted));
  CHECK(scripted);
  REQUIRE_FALSE(entries.at(1)["clientRequestId"].get(id));
  CHECK(id == "r1");
  REQUIRE_FALSE(entries.at(1)["answer"].get(answer));
  CHECK(answer == 202);
  REQUIRE_FALSE(entries.at(1)["scripted"].get(scripted));
  CHECK_FALSE(scripted);
  CHECK(entries.at(2)["clientRequestId"].is_null());
  REQUIRE_FALSE(entries.at(2)["answer"].get(answer));
  CHECK(answer == 400);
}
