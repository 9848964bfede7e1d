// Scan submissions carried to a scripted scanner over loopback: the request
// the scanner sees, how each kind of reply or network failure ends up as a
// scan outcome, and how the keep-alive pool reuses, bounds and drops its
// connections.
#include "model/drift_event.hpp"
#include "model/scan_submission.hpp"
#include "net/http_scanner_transport.hpp"
#include "tests/net/scanner_client_test_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "deltascan/version.hpp"
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using deltascan::failure_kind;
using deltascan::scan_outcome;
using deltascan::scan_submission;
using deltascan::net::http_scanner_transport;
using deltascan::net::scanner_client_options;
using deltascan::test::accepted_body;
using deltascan::test::received_request;
using deltascan::test::scripted_reply;
using deltascan::test::scripted_scanner;
using action = scripted_reply::action;

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
                                         "sha256:" + std::string(64, 'a'));
}

scripted_reply answer(unsigned status, std::string body) {
  scripted_reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

scripted_reply doing(action what) {
  scripted_reply reply;
  reply.what = what;
  return reply;
}

/// Answers every request with an accepted scan named after its index.
scripted_reply accept_all(const received_request&, std::size_t index) {
  return answer(200, accepted_body("scan-" + std::to_string(index)));
}

/// Records the outcome a completion delivers and how often it was called.
struct outcome_probe {
  std::promise<scan_outcome> promise;
  std::future<scan_outcome> future = promise.get_future();
  std::atomic<int> calls{0};

  deltascan::scanner_transport::completion completion() {
    return [this](scan_outcome outcome) {
      if (calls.fetch_add(1) == 0)
        promise.set_value(std::move(outcome));
    };
  }

  /// Waits for the outcome; fails the test if it does not come in time.
  scan_outcome wait() {
    REQUIRE(future.wait_for(wait_bound) == std::future_status::ready);
    return future.get();
  }
};

/// The transport under test with its own io_context on a background thread.
/// It keeps every probe it handed out, so a completion that came twice would
/// still find its probe, and `finish` can check each came exactly once.
struct client {
  explicit client(scanner_client_options opts)
      : transport{http_scanner_transport::make(ioc, std::move(opts))} {
    // nop
  }

  ~client() { stop(); }

  /// Shuts the transport down and waits until its io thread ran dry, so
  /// that every completion that will ever be called has been called.
  void stop() {
    if (!thread.joinable())
      return;
    transport->shutdown();
    guard.reset();
    thread.join();
  }

  /// Stops, then checks that each submission completed exactly once.
  void finish() {
    stop();
    for (const auto& p : probes)
      CHECK(p.calls == 1);
  }

  /// A new probe; not thread-safe, so tests take probes before fanning out.
  outcome_probe& probe() { return probes.emplace_back(); }

  outcome_probe& submit(const scan_submission& submission) {
    auto& p = probe();
    transport->submit(submission, p.completion());
    return p;
  }

  scan_outcome submit_and_wait(const scan_submission& submission) {
    return submit(submission).wait();
  }

  std::deque<outcome_probe> probes;
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      guard = boost::asio::make_work_guard(ioc);
  std::shared_ptr<http_scanner_transport> transport;
  std::thread thread{[this] {
    ioc.run();
  }};
};

scanner_client_options options_for(const scripted_scanner& server) {
  scanner_client_options opts;
  opts.endpoint = {"127.0.0.1", server.port(), ""};
  return opts;
}

std::string header(const received_request& request,
                   boost::beast::http::field name) {
  return std::string{request.message[name]};
}

} // namespace

TEST_CASE("scanner client posts the submission as the scanner expects",
          "[net][scanner_client]") {
  scripted_scanner server{accept_all};
  auto opts = options_for(server);
  opts.endpoint.base_path = "/scanner";
  client c{opts};
  c.transport->set_bearer_token("s3cret");
  auto submission = submission_for("evt-1");
  auto outcome = c.submit_and_wait(submission);
  CHECK(outcome == scan_outcome::success("scan-0", true, 200));
  auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  using boost::beast::http::field;
  const auto& req = requests[0];
  CHECK(req.message.method() == boost::beast::http::verb::post);
  CHECK(std::string{req.message.target()} == "/scanner/api/v1/scans");
  CHECK(req.message.version() == 11);
  CHECK(header(req, field::host) ==
        "127.0.0.1:" + std::to_string(server.port()));
  CHECK(header(req, field::content_type) == "application/json");
  CHECK(header(req, field::accept) == "application/json");
  CHECK(header(req, field::user_agent) ==
        std::string{"deltascand/"} + deltascan::version);
  CHECK(header(req, field::authorization) == "Bearer s3cret");
  CHECK(req.message.body() == deltascan::to_json(submission));
  c.finish();
}

TEST_CASE("scanner client reports whether the scanner created the scan",
          "[net][scanner_client]") {
  scripted_scanner server{[](const received_request&, std::size_t) {
    return answer(202, accepted_body("scan-old", false));
  }};
  client c{options_for(server)};
  CHECK(c.submit_and_wait(submission_for("evt-1")) ==
        scan_outcome::success("scan-old", false, 202));
  c.finish();
}

TEST_CASE("scanner client sends the bearer token only when one is set",
          "[net][scanner_client]") {
  scripted_scanner server{accept_all};
  client c{options_for(server)};
  using boost::beast::http::field;
  c.submit_and_wait(submission_for("evt-1"));
  c.transport->set_bearer_token("first");
  c.submit_and_wait(submission_for("evt-2"));
  // A reload replaces the token for the next submission.
  c.transport->set_bearer_token("second");
  c.submit_and_wait(submission_for("evt-3"));
  c.transport->set_bearer_token(std::nullopt);
  c.submit_and_wait(submission_for("evt-4"));
  c.transport->set_bearer_token("");
  c.submit_and_wait(submission_for("evt-5"));
  auto requests = server.requests();
  REQUIRE(requests.size() == 5);
  CHECK(requests[0].message.count(field::authorization) == 0);
  CHECK(header(requests[1], field::authorization) == "Bearer first");
  CHECK(header(requests[2], field::authorization) == "Bearer second");
  CHECK(requests[3].message.count(field::authorization) == 0);
  CHECK(requests[4].message.count(field::authorization) == 0);
  c.finish();
}

TEST_CASE("scanner client reports an error status with the reply body",
          "[net][scanner_client]") {
  scripted_scanner server{[](const received_request&, std::size_t index) {
    if (index == 0)
      return answer(500, "boom\nat line 3");
    return answer(503, "");
  }};
  client c{options_for(server)};
  CHECK(c.submit_and_wait(submission_for("evt-1")) ==
        scan_outcome::failure(
            "scanner answered 500 Internal Server Error: boom at line 3",
            failure_kind::server_error, 500));
  CHECK(c.submit_and_wait(submission_for("evt-2")) ==
        scan_outcome::failure("scanner answered 503 Service Unavailable",
                              failure_kind::server_error, 503));
  // An error status is still a complete exchange: the connection stays.
  CHECK(server.accepted() == 1);
  c.finish();
}

TEST_CASE("scanner client refuses 2xx replies without a usable scan",
          "[net][scanner_client]") {
  auto [body, reason] = GENERATE(table<std::string, std::string>({
      {"queued", "scanner reply is not valid JSON: "},
      {R"({"scanId":"scan-1","created":true)",
       "scanner reply is not valid JSON: "},
      {R"({"created":true})", "scanner reply lacks scanId"},
      {R"({"scanId":"","created":true})", "scanner reply lacks scanId"},
      {R"({"scanId":"scan-1","created":"yes"})",
       "scanner reply has a created that is not a boolean"},
      {R"({"scanId":"scan-1"})", "scanner reply lacks created"},
  }));
  scripted_scanner server{[body = body](const received_request&, std::size_t) {
    return answer(200, body);
  }};
  client c{options_for(server)};
  auto outcome = c.submit_and_wait(submission_for("evt-1"));
  INFO("reply body: " << body);
  CHECK_FALSE(outcome.accepted);
  CHECK(outcome.scan_id.empty());
  CHECK(outcome.kind == failure_kind::invalid_reply);
  CHECK(outcome.status == 200);
  CHECK(outcome.reason.rfind(reason, 0) == 0);
  c.finish();
}

TEST_CASE("scanner client names the scanner it could not connect to",
          "[net][scanner_client]") {
  auto port = deltascan::test::unused_port();
  scanner_client_options opts;
  opts.endpoint = {"127.0.0.1", port, ""};
  client c{opts};
  CHECK(c.submit_and_wait(submission_for("evt-1")) ==
        scan_outcome::failure("connect to 127.0.0.1:" + std::to_string(port) +
                                  " failed: Connection refused",
                              failure_kind::connection));
  CHECK(c.transport->idle_connections() == 0);
  c.finish();
}

TEST_CASE("scanner client gives up on a silent scanner after its timeout",
          "[net][scanner_client]") {
  scripted_scanner server{[](const received_request& r, std::size_t index) {
    if (index == 0)
      return doing(action::silent);
    return accept_all(r, index);
  }};
  auto opts = options_for(server);
  opts.timeout = 200ms;
  client c{opts};
  CHECK(c.submit_and_wait(submission_for("evt-1")) ==
        scan_outcome::failure("no reply within 200 ms", failure_kind::timeout));
  // The timed-out connection may still carry a late reply: never reuse it.
  CHECK(c.transport->idle_connections() == 0);
  CHECK(c.submit_and_wait(submission_for("evt-2")) ==
        scan_outcome::success("scan-1", true, 200));
  CHECK(server.accepted() == 2);
  c.finish();
}

TEST_CASE("scanner client retries once when the scanner dropped the idle "
          "connection",
          "[net][scanner_client]") {
  scripted_scanner server{[](const received_request& r, std::size_t index) {
    auto reply = accept_all(r, index);
    // Like a keep-alive timeout expiring right after the first reply.
    reply.close_after_reply = index == 0;
    return reply;
  }};
  client c{options_for(server)};
  CHECK(c.submit_and_wait(submission_for("evt-1")) ==
        scan_outcome::success("scan-0", true, 200));
  CHECK(c.submit_and_wait(submission_for("evt-2")) ==
        scan_outcome::success("scan-1", true, 200));
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].connection == 1);
  CHECK(server.accepted() == 2);
  c.finish();
}

TEST_CASE("scanner client does not retry on a fresh connection",
          "[net][scanner_client]") {
  auto [what, reason] = GENERATE(table<action, std::string>({
      {action::close, "connection closed by scanner"},
      {action::reset, "connection reset by scanner"},
      {action::garbage, "scanner reply is not valid HTTP: "},
  }));
  scripted_scanner server{[what = what](const received_request&, std::size_t) {
    return doing(what);
  }};
  client c{options_for(server)};
  auto outcome = c.submit_and_wait(submission_for("evt-1"));
  CHECK_FALSE(outcome.accepted);
  CHECK(outcome.kind == failure_kind::connection);
  CHECK(outcome.status == 0);
  CHECK(outcome.reason.rfind(reason, 0) == 0);
  // The scanner may have processed it: exactly one attempt.
  CHECK(server.requests().size() == 1);
  CHECK(server.accepted() == 1);
  CHECK(c.transport->idle_connections() == 0);
  c.finish();
}

TEST_CASE("scanner client does not retry a reused connection once the "
          "scanner started replying",
          "[net][scanner_client]") {
  scripted_scanner server{[](const received_request& r, std::size_t index) {
    if (index == 1)
      return doing(action::garbage);
    return accept_all(r, index);
  }};
  client c{options_for(server)};
  c.submit_and_wait(submission_for("evt-1"));
  auto outcome = c.submit_and_wait(submission_for("evt-2"));
  CHECK(outcome.reason.rfind("scanner reply is not valid HTTP: ", 0) == 0);
  CHECK(server.requests().size() == 2);
  CHECK(server.accepted() == 1);
  c.finish();
}

TEST_CASE("scanner client closes a connection the scanner asked to close",
          "[net][scanner_client]") {
  scripted_scanner server{[](const received_request& r, std::size_t index) {
    auto reply = accept_all(r, index);
    reply.connection_close_header = true;
    return reply;
  }};
  client c{options_for(server)};
  CHECK(c.submit_and_wait(submission_for("evt-1")).accepted);
  CHECK(c.transport->idle_connections() == 0);
  CHECK(c.submit_and_wait(submission_for("evt-2")).accepted);
  // The scripted scanner left the first connection open: a client that
  // ignored the header would have sent the second request on it.
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].connection == 0);
  CHECK(requests[1].connection == 1);
  c.finish();
}

TEST_CASE("scanner client reuses one connection for sequential submissions",
          "[net][scanner_client]") {
  scripted_scanner server{accept_all};
  client c{options_for(server)};
  for (int i = 0; i < 5; ++i)
    CHECK(
        c.submit_and_wait(submission_for("evt-" + std::to_string(i))).accepted);
  CHECK(server.accepted() == 1);
  CHECK(c.transport->idle_connections() == 1);
  for (const auto& request : server.requests())
    CHECK(request.connection == 0);
  c.finish();
}

TEST_CASE("scanner client opens at most max_connections and queues the rest",
          "[net][scanner_client]") {
  scripted_scanner server{[](const received_request& r, std::size_t index) {
    auto reply = accept_all(r, index);
    reply.delay = 20ms;
    return reply;
  }};
  auto opts = options_for(server);
  opts.max_connections = 2;
  client c{opts};
  for (int i = 0; i < 10; ++i)
    c.submit(submission_for("evt-" + std::to_string(i)));
  for (auto& probe : c.probes)
    CHECK(probe.wait().accepted);
  CHECK(server.requests().size() == 10);
  CHECK(server.accepted() <= 2);
  CHECK(server.peak_unanswered() <= 2);
  CHECK(c.transport->idle_connections() == server.accepted());
  c.finish();
}

TEST_CASE("scanner client takes submissions from many threads at once",
          "[net][scanner_client]") {
  scripted_scanner server{accept_all};
  auto opts = options_for(server);
  opts.max_connections = 4;
  client c{opts};
  constexpr std::size_t threads = 4;
  constexpr std::size_t per_thread = 25;
  std::vector<outcome_probe*> probes;
  for (std::size_t n = 0; n < threads * per_thread; ++n)
    probes.push_back(&c.probe());
  std::vector<std::thread> submitters;
  for (std::size_t t = 0; t < threads; ++t)
    submitters.emplace_back([&, t] {
      for (std::size_t i = 0; i < per_thread; ++i) {
        auto n = t * per_thread + i;
        c.transport->submit(submission_for("evt-" + std::to_string(n)),
                            probes[n]->completion());
      }
    });
  for (auto& submitter : submitters)
    submitter.join();
  std::set<std::string> scan_ids;
  for (auto* probe : probes) {
    auto outcome = probe->wait();
    CHECK(outcome.accepted);
    scan_ids.insert(outcome.scan_id);
  }
  CHECK(scan_ids.size() == probes.size());
  CHECK(server.accepted() <= 4);
  std::set<std::string> bodies;
  for (const auto& request : server.requests())
    bodies.insert(request.message.body());
  CHECK(bodies.size() == probes.size());
  c.finish();
}

TEST_CASE("scanner client fails pending submissions once when shut down",
          "[net][scanner_client]") {
  scripted_scanner server{[](const received_request&, std::size_t) {
    return doing(action::silent);
  }};
  auto opts = options_for(server);
  opts.max_connections = 1;
  opts.timeout = 60s;
  client c{opts};
  for (int i = 0; i < 3; ++i)
    c.submit(submission_for("evt-" + std::to_string(i)));
  // One submission is in flight on the only connection, two are queued.
  REQUIRE(server.wait_for_requests(1, wait_bound));
  c.transport->shutdown();
  for (auto& probe : c.probes)
    CHECK(probe.wait() == scan_outcome::failure("scanner client shutting down",
                                                failure_kind::shutdown));
  // Later submissions fail at once.
  CHECK(c.submit_and_wait(submission_for("evt-late")) ==
        scan_outcome::failure("scanner client shutting down",
                              failure_kind::shutdown));
  CHECK(c.transport->idle_connections() == 0);
  c.finish();
  CHECK(c.probes.size() == 4);
  CHECK(server.requests().size() == 1);
}
