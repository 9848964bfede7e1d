// The world the in-process end-to-end tests run deltascand in: a stub
// scanner that records the scan submissions it receives, a daemon_app on an
// ephemeral loopback port pointed at it, and runtime event batches built to
// order (drift of a chosen image digest, or the example batch).
#pragma once

#include "config/daemon_config.hpp"
#include "daemon/daemon_app.hpp"
#include "net/http_server.hpp"
#include "net/stub_scanner.hpp"
#include "tests/daemon/http_test_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace deltascan::e2e {

/// Polls `condition` every few milliseconds until it holds or `bound` passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds bound = patience);

/// The stub scanner served on 127.0.0.1, port 0, by its own io_context and
/// thread. Stops in the destructor, after its latency timers have fired.
class stub_scanner_runner {
public:
  explicit stub_scanner_runner(net::stub_scanner_options options = {});
  ~stub_scanner_runner();

  stub_scanner_runner(const stub_scanner_runner&) = delete;
  stub_scanner_runner& operator=(const stub_scanner_runner&) = delete;

  net::stub_scanner& stub() { return *stub_; }

  std::uint16_t port() const;

private:
  boost::asio::io_context ioc_;
  std::optional<
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      work_;
  std::shared_ptr<net::stub_scanner> stub_;
  std::optional<net::http_server> server_;
  std::thread thread_;
};

/// A configuration for tests: loopback port 0, two dedup shards, one io
/// thread, short timeouts, submissions to the stub at `scanner_port`.
daemon_config test_config(std::uint16_t scanner_port);

/// A free loopback port nobody listens on, for a scanner that is down. The
/// kernel may hand it out again later, but not while a test runs in the
/// short window that matters.
std::uint16_t closed_port();

/// A started daemon_app; fails the test when it cannot start.
class daemon_runner {
public:
  explicit daemon_runner(daemon_config config);

  daemon_app& app() { return app_; }

  tcp::endpoint endpoint() const { return app_.local_endpoint(); }

private:
  daemon_app app_;
};

/// The stub scanner and a daemon that submits to it. Declared in this order
/// so the daemon stops first and its connections to the stub close cleanly.
struct daemon_fixture {
  explicit daemon_fixture(
      const std::function<void(daemon_config&)>& adjust = {},
      net::stub_scanner_options stub_options = {});

  stub_scanner_runner scanner;
  std::unique_ptr<daemon_runner> daemon;

  tcp::endpoint endpoint() const { return daemon->endpoint(); }
};

// -- batches ------------------------------------------------------------------

/// A well-formed image digest, different for every `n`.
std::string test_digest(std::uint64_t n);

/// One drift event of the image `digest` (given as the baseline digest and
/// in the image reference), as an observer sends it.
std::string drift_event_json(const std::string& event_id,
                             const std::string& digest);

/// One event that is not drift (a container start).
std::string start_event_json(const std::string& event_id);

/// A batch whose events are the given JSON texts.
std::string batch_json(const std::string& batch_id,
                       const std::vector<std::string>& events);

/// A batch with one drift event.
std::string drift_batch(const std::string& batch_id,
                        const std::string& event_id, const std::string& digest);

/// examples/drift-batch.json from the source tree.
std::string example_batch();

// -- replies ------------------------------------------------------------------

/// The counts of a batch reply, read from its JSON body.
struct batch_counts {
  std::optional<std::string> batch_id;
  std::uint64_t events_received = 0;
  std::uint64_t drift_events_detected = 0;
  std::uint64_t triggered = 0;
  std::uint64_t skipped = 0;
  std::uint64_t deduped = 0;
};

/// Reads a batch reply; none when the body is not one.
std::optional<batch_counts> parse_batch_reply(const std::string& body);

/// Posts a batch on a new connection and reads its counts; fails the test
/// unless the daemon answers 200 with a batch reply.
batch_counts post_ok(const tcp::endpoint& ep, std::string body);

/// The daemon's `/metrics` text, read on a new connection; fails the test
/// when there is no answer.
std::string metrics_text(const tcp::endpoint& ep);

/// The value of the sample `series` (a name with its labels, as printed) in
/// a metrics text, or -1 when there is none.
double sample(const std::string& text, const std::string& series);

/// The value of `series` in the daemon's metrics, or -1.
double metric(const tcp::endpoint& ep, const std::string& series);

/// The members of a problem+json body.
struct problem_fields {
  std::string type;
  std::string title;
  std::uint64_t status = 0;
  std::string detail;
};

/// Reads a problem+json body; none unless it has all four members with the
/// right types.
std::optional<problem_fields> parse_problem(const std::string& body);

} // namespace deltascan::e2e
