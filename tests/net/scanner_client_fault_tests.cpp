// Scan submissions carried to the stub scanner while it misbehaves on
// purpose: each scripted fault must come back as the failure kind, status,
// Retry-After and reason the retry policy decides on, the client must
// recover on the next submission, and the stub must have seen exactly the
// attempts that were made.
#include "model/drift_event.hpp"
#include "model/scan_submission.hpp"
#include "net/http_scanner_transport.hpp"
#include "net/stub_scanner.hpp"
#include "tests/net/stub_scanner_host.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <deque>
#include <future>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using deltascan::failure_kind;
using deltascan::scan_outcome;
using deltascan::scan_submission;
using deltascan::net::http_scanner_transport;
using deltascan::net::scanner_client_options;
using deltascan::net::stub_fault;
using deltascan::test::stub_scanner_host;

namespace {

/// Generous: a busy 2-core machine may be slow, but never this slow.
constexpr auto wait_bound = 10s;

scan_submission submission_for(const std::string& event_id) {
  deltascan::drift_event event;
  event.event_id = event_id;
  event.tenant = "tenant-a";
  event.node = "node-1";
  event.image_ref = "registry.example/app:1.2";
  event.changed_files_count = 3;
  return deltascan::make_scan_submission(event,
                                         "sha256:" + std::string(64, 'b'));
}

/// The transport under test on its own io_context and thread.
struct client {
  explicit client(std::uint16_t port,
                  std::chrono::milliseconds timeout = 5000ms) {
    scanner_client_options opts;
    opts.endpoint = {"127.0.0.1", port, ""};
    opts.timeout = timeout;
    transport = http_scanner_transport::make(ioc, opts);
    thread = std::thread{[this] {
      ioc.run();
    }};
  }

  ~client() {
    transport->shutdown();
    guard.reset();
    thread.join();
  }

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Submits and waits (bounded) for the outcome.
  scan_outcome submit(const std::string& event_id) {
    auto promise = std::make_shared<std::promise<scan_outcome>>();
    auto future = promise->get_future();
    transport->submit(submission_for(event_id),
                      [promise](scan_outcome outcome) {
                        promise->set_value(std::move(outcome));
                      });
    REQUIRE(future.wait_for(wait_bound) == std::future_status::ready);
    return future.get();
  }

  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      guard = boost::asio::make_work_guard(ioc);
  std::shared_ptr<http_scanner_transport> transport;
  std::thread thread;
};

std::string request_id(const std::string& event_id) {
  return submission_for(event_id).client_request_id;
}

/// What the stub recorded, reduced to what a test compares.
struct attempt {
  std::optional<std::string> client_request_id;
  unsigned answer = 0;
  bool scripted = false;

  friend bool operator==(const attempt&, const attempt&) = default;
};

std::ostream& operator<<(std::ostream& os, const attempt& a) {
  return os << "{" << a.client_request_id.value_or("<none>") << ", " << a.answer
            << (a.scripted ? ", scripted}" : "}");
}

std::vector<attempt> attempts(stub_scanner_host& host) {
  std::vector<attempt> result;
  for (const auto& entry : host.stub().requests())
    result.push_back({entry.client_request_id, entry.answer, entry.scripted});
  return result;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

/// An IMF-fixdate `ahead` from the system clock's now.
std::string http_date_in(std::chrono::seconds ahead) {
  auto when = std::chrono::system_clock::to_time_t(
      std::chrono::system_clock::now() + ahead);
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[64];
  auto size =
      std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return std::string(text, size);
}

/// One scripted answer and what the client must make of it.
struct expectation {
  stub_fault fault;
  failure_kind kind;
  unsigned status;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string reason;
};

} // namespace

TEST_CASE("scanner client classifies each scripted answer and recovers",
          "[net][scanner_client][faults]") {
  auto e = GENERATE(values<expectation>({
      {stub_fault::answer(500, "boom"), failure_kind::server_error, 500,
       std::nullopt, "scanner answered 500 Internal Server Error: boom"},
      {stub_fault::answer(502), failure_kind::server_error, 502, std::nullopt,
       "scanner answered 502 Bad Gateway"},
      {stub_fault::answer(503, "", "7"), failure_kind::server_error, 503, 7s,
       "scanner answered 503 Service Unavailable"},
      {stub_fault::answer(503), failure_kind::server_error, 503, std::nullopt,
       "scanner answered 503 Service Unavailable"},
      {stub_fault::answer(429, "", "1"), failure_kind::throttled, 429, 1s,
       "scanner answered 429 Too Many Requests"},
      {stub_fault::answer(429, "", "later"), failure_kind::throttled, 429,
       std::nullopt, "scanner answered 429 Too Many Requests"},
      {stub_fault::answer(408), failure_kind::request_timeout, 408,
       std::nullopt, "scanner answered 408 Request Timeout"},
      {stub_fault::answer(400, R"({"detail":"no image"})"),
       failure_kind::rejected, 400, std::nullopt,
       R"(scanner answered 400 Bad Request: {"detail":"no image"})"},
      {stub_fault::answer(401), failure_kind::rejected, 401, std::nullopt,
       "scanner answered 401 Unauthorized"},
      // Retry-After only means "wait" on 429 and 503.
      {stub_fault::answer(500, "", "5"), failure_kind::server_error, 500,
       std::nullopt, "scanner answered 500 Internal Server Error"},
      {stub_fault::answer(302, "", "5"), failure_kind::rejected, 302,
       std::nullopt, "scanner answered 302 Found"},
      {stub_fault::invalid_reply(), failure_kind::invalid_reply, 200,
       std::nullopt, "scanner reply lacks scanId"},
      {stub_fault::invalid_reply(R"({"scanId":"s-1"})"),
       failure_kind::invalid_reply, 200, std::nullopt,
       "scanner reply lacks created"},
      {stub_fault::answer(202, "accepted"), failure_kind::invalid_reply, 202,
       std::nullopt, "scanner reply is not valid JSON: "},
  }));
  stub_scanner_host host;
  REQUIRE(host.stub().script_faults({e.fault}));
  client c{host.port()};
  auto outcome = c.submit("evt-1");
  INFO("expected reason: " << e.reason << "\ngot: " << outcome.reason);
  CHECK_FALSE(outcome.accepted);
  CHECK(outcome.scan_id.empty());
  CHECK(outcome.kind == e.kind);
  CHECK(outcome.status == e.status);
  CHECK(outcome.retry_after == e.retry_after);
  if (e.kind == failure_kind::invalid_reply &&
      e.reason.back() == ' ') // a parser message follows
    CHECK(starts_with(outcome.reason, e.reason));
  else
    CHECK(outcome.reason == e.reason);
  // The next submission meets the stub's usual behaviour.
  auto next = c.submit("evt-2");
  CHECK(next.accepted);
  CHECK(next.kind == failure_kind::none);
  CHECK(next.status == 202);
  CHECK(next.scan_id == "stub-scan-1");
  CHECK(attempts(host) == std::vector<attempt>{
                              {request_id("evt-1"), e.status, true},
                              {request_id("evt-2"), 202, false},
                          });
  CHECK(host.stub().pending_faults() == 0);
}

TEST_CASE("scanner client reads a Retry-After date as the wait until it",
          "[net][scanner_client][faults]") {
  stub_scanner_host host;
  REQUIRE(host.stub().script_faults(
      {stub_fault::answer(503, "", http_date_in(1h))}));
  client c{host.port()};
  auto outcome = c.submit("evt-1");
  CHECK(outcome.kind == failure_kind::server_error);
  REQUIRE(outcome.retry_after);
  // The date has whole seconds and was written before the reply: the wait
  // is within a second or two of an hour, however slow the machine.
  CHECK(*outcome.retry_after > 1h - 60s);
  CHECK(*outcome.retry_after <= 1h);
}

TEST_CASE("scanner client reports a sequence of faults in order",
          "[net][scanner_client][faults]") {
  stub_scanner_host host;
  REQUIRE(host.stub().script_faults({
      stub_fault::answer(503, "", "2"),
      stub_fault::answer(429, "", "1"),
      stub_fault::invalid_reply(),
      stub_fault::answer(400),
  }));
  client c{host.port()};
  std::vector<failure_kind> kinds;
  std::vector<std::optional<std::chrono::milliseconds>> waits;
  for (int i = 0; i < 5; ++i) {
    auto outcome = c.submit("evt-" + std::to_string(i));
    kinds.push_back(outcome.kind);
    waits.push_back(outcome.retry_after);
  }
  CHECK(kinds == std::vector<failure_kind>{
                     failure_kind::server_error, failure_kind::throttled,
                     failure_kind::invalid_reply, failure_kind::rejected,
                     failure_kind::none});
  CHECK(waits == std::vector<std::optional<std::chrono::milliseconds>>{
                     2s, 1s, std::nullopt, std::nullopt, std::nullopt});
  CHECK(attempts(host) == std::vector<attempt>{
                              {request_id("evt-0"), 503, true},
                              {request_id("evt-1"), 429, true},
                              {request_id("evt-2"), 200, true},
                              {request_id("evt-3"), 400, true},
                              {request_id("evt-4"), 202, false},
                          });
  CHECK(host.stub().stats().scripted == 4);
  CHECK(host.stub().stats().accepted == 1);
}

TEST_CASE("scanner client reports a dropped connection and recovers",
          "[net][scanner_client][faults]") {
  stub_scanner_host host;
  REQUIRE(host.stub().script_faults({stub_fault::drop()}));
  client c{host.port()};
  // The first connection is fresh: the scanner may have seen the
  // submission, so the transport does not try again on its own.
  auto outcome = c.submit("evt-1");
  CHECK(outcome.kind == failure_kind::connection);
  CHECK(outcome.status == 0);
  CHECK_FALSE(outcome.retry_after);
  CHECK(outcome.reason == "connection closed by scanner");
  CHECK(c.submit("evt-2").accepted);
  CHECK(attempts(host) == std::vector<attempt>{
                              {request_id("evt-1"), 0, true},
                              {request_id("evt-2"), 202, false},
                          });
}

TEST_CASE("scanner client retries a drop on a reused connection only once",
          "[net][scanner_client][faults]") {
  stub_scanner_host host;
  client c{host.port()};
  REQUIRE(c.submit("evt-1").accepted);
  SECTION("one drop looks like a stale keep-alive connection") {
    // A close before any reply byte on a reused connection is what an
    // expired keep-alive looks like: the transport tries a fresh one.
    REQUIRE(host.stub().script_faults({stub_fault::drop()}));
    auto outcome = c.submit("evt-2");
    CHECK(outcome.accepted);
    CHECK(attempts(host) == std::vector<attempt>{
                                {request_id("evt-1"), 202, false},
                                {request_id("evt-2"), 0, true},
                                {request_id("evt-2"), 202, false},
                            });
  }
  SECTION("a second drop is reported") {
    REQUIRE(
        host.stub().script_faults({stub_fault::drop(), stub_fault::drop()}));
    auto outcome = c.submit("evt-2");
    CHECK(outcome.kind == failure_kind::connection);
    CHECK(outcome.reason == "connection closed by scanner");
    CHECK(attempts(host) == std::vector<attempt>{
                                {request_id("evt-1"), 202, false},
                                {request_id("evt-2"), 0, true},
                                {request_id("evt-2"), 0, true},
                            });
    CHECK(c.submit("evt-3").accepted);
  }
}

TEST_CASE("scanner client times out on a slow scanner and recovers",
          "[net][scanner_client][faults]") {
  stub_scanner_host host;
  // Twenty times the client's timeout: only the timeout can end the wait.
  REQUIRE(host.stub().script_faults({stub_fault::slow(2s)}));
  client c{host.port(), 100ms};
  auto outcome = c.submit("evt-1");
  CHECK(outcome.kind == failure_kind::timeout);
  CHECK(outcome.status == 0);
  CHECK(outcome.reason == "no reply within 100 ms");
  // The next submission takes a new connection; the stub answers it at once.
  auto next = c.submit("evt-2");
  CHECK(next.accepted);
  // The slow submission was queued by the scanner all the same: the client
  // never heard of it, which is why retries carry the same clientRequestId.
  CHECK(next.scan_id == "stub-scan-1");
  CHECK_FALSE(next.created);
  CHECK(attempts(host) == std::vector<attempt>{
                              {request_id("evt-1"), 202, true},
                              {request_id("evt-2"), 202, false},
                          });
}

TEST_CASE("scanner client reports a scanner that is down, then recovers",
          "[net][scanner_client][faults]") {
  stub_scanner_host host;
  client c{host.port()};
  REQUIRE(c.submit("evt-1").accepted);
  REQUIRE(host.take_down());
  auto refused = "connect to 127.0.0.1:" + std::to_string(host.port()) +
                 " failed: Connection refused";
  // The idle connection is gone too; its retry meets the closed port.
  auto first = c.submit("evt-2");
  CHECK(first.kind == failure_kind::connection);
  CHECK(first.status == 0);
  CHECK(first.reason == refused);
  auto second = c.submit("evt-3");
  CHECK(second.kind == failure_kind::connection);
  CHECK(second.reason == refused);
  REQUIRE(host.bring_up());
  auto back = c.submit("evt-4");
  CHECK(back.accepted);
  CHECK(back.status == 202);
  // Nothing sent while the scanner was down reached it.
  CHECK(attempts(host) == std::vector<attempt>{
                              {request_id("evt-1"), 202, false},
                              {request_id("evt-4"), 202, false},
                          });
}

TEST_CASE("scanner client reports the shutdown as its own kind",
          "[net][scanner_client][faults]") {
  stub_scanner_host host;
  client c{host.port()};
  c.transport->shutdown();
  auto outcome = c.submit("evt-1");
  CHECK(outcome.kind == failure_kind::shutdown);
  CHECK(outcome.status == 0);
  CHECK(outcome.reason == "scanner client shutting down");
  CHECK(attempts(host).empty());
}
