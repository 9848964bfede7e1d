// deltascand against a scanner that misbehaves, end to end over loopback:
// the stub scanner is scripted to fail in each way a real one does, and the
// tests check the exact submissions it received (retries repeat the same
// clientRequestId, never a second scan for an image), the batch counts and
// the metrics. The timing rules themselves are tested in simulated time in
// tests/actors/resilience_test.cpp; here only their effect is checked.
#include "net/http_server.hpp"
#include "net/stub_scanner.hpp"
#include "tests/daemon/daemon_fixture.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>
#include <thread>

using namespace deltascan;
using namespace deltascan::e2e;
using namespace std::chrono_literals;

namespace {

std::vector<std::string>
client_request_ids(const std::vector<net::recorded_submission>& requests) {
  std::vector<std::string> ids;
  for (const auto& r : requests)
    ids.push_back(r.client_request_id.value_or("(none)"));
  return ids;
}

} // namespace

TEST_CASE("5xx answers are retried with the same request until one succeeds",
          "[daemon][faults]") {
  daemon_fixture f;
  REQUIRE(f.scanner.stub().script_faults(
      {net::stub_fault::answer(500), net::stub_fault::answer(503)}));
  auto counts =
      post_ok(f.endpoint(), drift_batch("b-1", "e-1", test_digest(0x500)));
  CHECK(counts.triggered == 1);
  CHECK(counts.skipped == 0);
  auto requests = f.scanner.stub().requests();
  CHECK(client_request_ids(requests) ==
        std::vector<std::string>{"drift:e-1", "drift:e-1", "drift:e-1"});
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].body == requests[2].body);
  auto text = metrics_text(f.endpoint());
  INFO(text);
  CHECK(sample(text,
               R"(deltascan_scanner_retries_total{reason="server_error"})") ==
        2);
  CHECK(sample(text, "scanner_delta_scan_triggered_total") == 1);
}

TEST_CASE("a 429 with Retry-After is waited out, then retried",
          "[daemon][faults]") {
  daemon_fixture f;
  REQUIRE(
      f.scanner.stub().script_faults({net::stub_fault::answer(429, "", "1")}));
  auto started = std::chrono::steady_clock::now();
  auto counts =
      post_ok(f.endpoint(), drift_batch("b-1", "e-1", test_digest(0x429)));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(counts.triggered == 1);
  CHECK(f.scanner.stub().requests().size() == 2);
  // The backoff alone would have retried within 40 ms; only the scanner's
  // Retry-After makes it wait a second. (A lower bound: a busy machine can
  // only make it longer.)
  CHECK(took >= 900ms);
  CHECK(metric(f.endpoint(),
               R"(deltascan_scanner_retries_total{reason="throttled"})") == 1);
}

TEST_CASE("a 4xx is final: one request, the event skipped",
          "[daemon][faults]") {
  daemon_fixture f;
  REQUIRE(f.scanner.stub().script_faults({net::stub_fault::answer(422)}));
  auto counts =
      post_ok(f.endpoint(), drift_batch("b-1", "e-1", test_digest(0x422)));
  CHECK(counts.triggered == 0);
  CHECK(counts.skipped == 1);
  CHECK(f.scanner.stub().requests().size() == 1);
  CHECK(metric(f.endpoint(),
               R"(deltascan_scanner_failures_total{reason="rejected"})") == 1);
}

TEST_CASE("a slow answer or a dropped connection is retried",
          "[daemon][faults]") {
  auto slow = GENERATE(true, false);
  daemon_fixture f{[](daemon_config& c) {
    c.scanner.timeout = 300ms;
  }};
  REQUIRE(f.scanner.stub().script_faults(
      {slow ? net::stub_fault::slow(2s) : net::stub_fault::drop()}));
  auto counts =
      post_ok(f.endpoint(), drift_batch("b-1", "e-1", test_digest(0x510)));
  CHECK(counts.triggered == 1);
  CHECK(client_request_ids(f.scanner.stub().requests()) ==
        std::vector<std::string>{"drift:e-1", "drift:e-1"});
  auto reason = slow ? "timeout" : "connection";
  CHECK(metric(f.endpoint(), std::string{"deltascan_scanner_retries_total"
                                         "{reason=\""} +
                                 reason + "\"}") == 1);
}

TEST_CASE("a scanner that is down, then up, gets the submission",
          "[daemon][faults]") {
  auto port = closed_port();
  auto config = test_config(port);
  config.scanner.retry.max_attempts = 100;
  config.scanner.retry.initial_backoff = 50ms;
  config.scanner.retry.max_backoff = 100ms;
  config.scanner.retry.budget = 20s;
  config.scanner.breaker.failures = 0;
  config.server.batch_deadline = 30s;
  daemon_runner daemon{config};
  auto reply = std::async(std::launch::async, [&] {
    return post_ok(daemon.endpoint(),
                   drift_batch("b-1", "e-1", test_digest(0xd0d0)));
  });
  // Wait until the daemon has failed to connect at least once.
  REQUIRE(eventually([&] {
    return metric(daemon.endpoint(),
                  R"(deltascan_scanner_retries_total{reason="connection"})") >=
           1;
  }));
  // Now the scanner comes up on that port.
  boost::asio::io_context ioc;
  auto guard = boost::asio::make_work_guard(ioc);
  auto stub = std::make_shared<net::stub_scanner>(ioc.get_executor());
  net::http_server server{ioc, stub};
  REQUIRE_FALSE(server.listen(loopback(port)));
  server.start();
  std::thread io{[&] {
    ioc.run();
  }};
  REQUIRE(reply.wait_for(patience) == std::future_status::ready);
  auto counts = reply.get();
  CHECK(counts.triggered == 1);
  CHECK(stub->stats().accepted == 1);
  CHECK(client_request_ids(stub->requests()) ==
        std::vector<std::string>{"drift:e-1"});
  server.close_all();
  guard.reset();
  io.join();
}

TEST_CASE("the batch deadline answers a batch the scanner sits on",
          "[daemon][faults]") {
  daemon_fixture f{[](daemon_config& c) {
    c.server.batch_deadline = 500ms;
    c.scanner.timeout = 5000ms;
  }};
  REQUIRE(f.scanner.stub().script_faults({net::stub_fault::slow(4s)}));
  auto started = std::chrono::steady_clock::now();
  auto counts =
      post_ok(f.endpoint(), drift_batch("b-1", "e-1", test_digest(0xdead)));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(counts.triggered == 0);
  CHECK(counts.skipped == 1);
  // Bounded by the deadline, far below the stub's 4 s.
  CHECK(took < 3s);
  CHECK(metric(f.endpoint(),
               R"(deltascan_scanner_failures_total{reason="deadline"})") == 1);
}

TEST_CASE("the breaker opens on a failing scanner and closes after a probe",
          "[daemon][faults]") {
  net::stub_scanner_options failing;
  failing.failure_rate = 1.0;
  daemon_fixture f{[](daemon_config& c) {
                     c.scanner.retry.max_attempts = 1;
                     c.scanner.breaker.failures = 2;
                     c.scanner.breaker.open_duration = 1s;
                   },
                   failing};
  for (int i = 0; i < 2; ++i)
    CHECK(post_ok(f.endpoint(), drift_batch("b", "e-" + std::to_string(i),
                                            test_digest(0xb0 + i)))
              .skipped == 1);
  CHECK(metric(f.endpoint(), "deltascan_scanner_breaker_state") == 1);
  // Open: the scanner hears nothing more.
  CHECK(post_ok(f.endpoint(), drift_batch("b", "e-2", test_digest(0xb2)))
            .skipped == 1);
  CHECK(f.scanner.stub().stats().received == 2);
  CHECK(metric(f.endpoint(),
               R"(deltascan_scanner_failures_total{reason="breaker_open"})") ==
        1);
  f.scanner.stub().set_failure_rate(0.0);
  REQUIRE(eventually([&] {
    return metric(f.endpoint(), "deltascan_scanner_breaker_state") == 2;
  }));
  CHECK(post_ok(f.endpoint(), drift_batch("b", "e-3", test_digest(0xb3)))
            .triggered == 1);
  CHECK(metric(f.endpoint(), "deltascan_scanner_breaker_state") == 0);
  CHECK(metric(f.endpoint(),
               R"(deltascan_scanner_breaker_transitions_total{to="closed"})") ==
        1);
}
