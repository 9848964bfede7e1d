// Which kind of failure each answer of the scanner is, and when it carries
// the scanner's Retry-After: the facts the retry policy decides on, checked
// without any socket and against a fixed clock.
#include "net/scanner_reply.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>

using namespace std::chrono;
using namespace std::chrono_literals;
using deltascan::failure_kind;
using deltascan::net::classify_status;
using deltascan::net::interpret_scanner_reply;

namespace {

/// Sun, 06 Nov 1994 08:49:37 GMT minus 30 s.
const system_clock::time_point before_example_date =
    sys_days{1994y / November / 6} + 8h + 49min + 7s;

} // namespace

TEST_CASE("scanner statuses map to failure kinds", "[net][scanner_client]") {
  auto [status, kind] = GENERATE(table<unsigned, failure_kind>({
      {200, failure_kind::none},         {202, failure_kind::none},
      {299, failure_kind::none},         {100, failure_kind::rejected},
      {301, failure_kind::rejected},     {304, failure_kind::rejected},
      {400, failure_kind::rejected},     {401, failure_kind::rejected},
      {403, failure_kind::rejected},     {404, failure_kind::rejected},
      {407, failure_kind::rejected},     {408, failure_kind::request_timeout},
      {409, failure_kind::rejected},     {413, failure_kind::rejected},
      {422, failure_kind::rejected},     {429, failure_kind::throttled},
      {499, failure_kind::rejected},     {500, failure_kind::server_error},
      {502, failure_kind::server_error}, {503, failure_kind::server_error},
      {504, failure_kind::server_error}, {599, failure_kind::server_error},
      {600, failure_kind::rejected},
  }));
  INFO("status " << status);
  CHECK(classify_status(status) == kind);
  if (kind != failure_kind::none) {
    auto outcome = interpret_scanner_reply(status, "", "");
    CHECK_FALSE(outcome.accepted);
    CHECK(outcome.kind == kind);
    CHECK(outcome.status == status);
    CHECK_FALSE(outcome.retry_after);
  }
}

TEST_CASE("Retry-After is kept on 429 and 503 only", "[net][scanner_client]") {
  auto [status, expected] =
      GENERATE(table<unsigned, std::optional<milliseconds>>({
          {429, 3s},
          {503, 3s},
          {500, std::nullopt},
          {502, std::nullopt},
          {301, std::nullopt},
          {408, std::nullopt},
      }));
  INFO("status " << status);
  CHECK(interpret_scanner_reply(status, "", "", "3", before_example_date)
            .retry_after == expected);
}

TEST_CASE("Retry-After on a 429 or 503 may be a date or unreadable",
          "[net][scanner_client]") {
  auto date = "Sun, 06 Nov 1994 08:49:37 GMT";
  auto throttled = interpret_scanner_reply(429, "Too Many Requests", "", date,
                                           before_example_date);
  CHECK(throttled.kind == failure_kind::throttled);
  CHECK(throttled.retry_after == 30s);
  CHECK(throttled.reason == "scanner answered 429 Too Many Requests");
  auto past =
      interpret_scanner_reply(503, "", "", date, before_example_date + 1h);
  CHECK(past.retry_after == 0ms);
  // An unreadable value is as good as none; the reply still counts.
  auto garbage = interpret_scanner_reply(503, "Service Unavailable", "down",
                                         "tomorrow", before_example_date);
  CHECK(garbage.kind == failure_kind::server_error);
  CHECK_FALSE(garbage.retry_after);
  CHECK(garbage.reason == "scanner answered 503 Service Unavailable: down");
}

TEST_CASE("a 2xx reply carries its status, accepted or not",
          "[net][scanner_client]") {
  auto accepted =
      interpret_scanner_reply(202, "", R"({"scanId":"s","created":true})");
  CHECK(accepted.accepted);
  CHECK(accepted.kind == failure_kind::none);
  CHECK(accepted.status == 202);
  auto invalid = interpret_scanner_reply(201, "", R"({"scanId":"s"})");
  CHECK(invalid.kind == failure_kind::invalid_reply);
  CHECK(invalid.status == 201);
  // A 2xx is never told to wait, whatever it says.
  CHECK_FALSE(interpret_scanner_reply(200, "", "{}", "5").retry_after);
}
