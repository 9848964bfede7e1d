// A stand-in for the vulnerability scanner's API: takes the scan submissions
// deltascand sends for drifted images, answers like the scanner (with
// optional latency, random failures, or a script of faults such as 503 with
// Retry-After, a slow answer or a dropped connection), and records what it
// received so tests and benchmarks can check which images were submitted,
// how often, on which attempt, and with which credentials.
#pragma once

#include "net/request_handler.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace deltascan::net {

struct stub_scanner_options {
  /// Delay before each scan submission is answered.
  std::chrono::milliseconds latency{0};
  /// Share of scan submissions answered 500, from 0 to 1.
  double failure_rate = 0.0;
  /// Seeds the failure draws: one seed gives one sequence of failures.
  std::uint64_t seed = 1;
  /// Most recent scan submissions kept for inspection.
  std::size_t max_recorded = 100'000;
};

/// What the stub has answered since start or the last reset.
struct stub_scanner_stats {
  /// Every `POST /api/v1/scans`, malformed ones included.
  std::uint64_t received = 0;
  /// Answered 202.
  std::uint64_t accepted = 0;
  /// Answered 500 by an injected failure.
  std::uint64_t failed = 0;
  /// Answered (or dropped) by a scripted fault.
  std::uint64_t scripted = 0;
};

/// One scripted answer to one scan submission, given instead of the stub's
/// usual behaviour, so a test decides exactly how the scanner misbehaves.
struct stub_fault {
  enum class action {
    /// Answers as usual (queues the scan), after `delay`. A delay longer
    /// than the client's timeout makes a scan the client never hears of.
    accept,
    /// Answers `status` (200 to 599) with `body` and, when set, a
    /// `Retry-After` header, after `delay`. A 2xx with a body that lacks
    /// `scanId` or `created` is an invalid reply.
    respond,
    /// Closes the connection without answering, after `delay`.
    close,
  };

  action what = action::respond;
  unsigned status = 500;
  std::string body;
  std::optional<std::string> retry_after;
  std::chrono::milliseconds delay{0};

  /// Answers `status`, e.g. `answer(503, "", "1")` or `answer(400)`.
  static stub_fault answer(unsigned status, std::string body = {},
                           std::optional<std::string> retry_after = {});
  /// Accepts the scan, but only after `delay`.
  static stub_fault slow(std::chrono::milliseconds delay);
  /// Drops the connection without an answer.
  static stub_fault drop();
  /// A 200 whose body is no scan acceptance.
  static stub_fault invalid_reply(std::string body = R"({"status":"queued"})");

  friend bool operator==(const stub_fault&, const stub_fault&) = default;
};

/// One `POST /api/v1/scans` as it arrived, and what the stub did with it.
struct recorded_submission {
  std::string body;
  /// The Authorization header, when the request had one.
  std::optional<std::string> authorization;
  /// The body's `clientRequestId`, when it had one: a retried submission
  /// arrives again with the same one.
  std::optional<std::string> client_request_id;
  /// The status the stub answered (or will answer after a delay); 0 when it
  /// dropped the connection instead.
  unsigned answer = 0;
  /// Whether a scripted fault decided the answer.
  bool scripted = false;
};

/// Serves the scanner's `POST /api/v1/scans` and the stub's own
/// `GET /stub/stats`, `GET /stub/requests`, `POST /stub/faults` and
/// `POST /stub/reset`.
///
/// Scripted faults wait in a queue; each submission takes the oldest one, if
/// any, instead of the usual answer (whatever its body). `POST /stub/faults`
/// appends a JSON array of objects with the members `action` ("respond",
/// the default, "accept" or "close"), `status`, `body`, `retryAfter` (string
/// or integer) and `delayMs`, and answers `{"pending":N}`; `[]` only asks
/// for the count.
///
/// A submission needs `Content-Type: application/json` and a JSON object
/// with the strings `image.digest` and `clientRequestId`. The reply is 202
/// with `{"scanId","status":"queued","location","created"}`; each digest
/// keeps one scanId, and `created` is true only for its first accepted
/// submission. Every member function is thread-safe.
class stub_scanner final : public request_handler {
public:
  /// `timers` runs the latency timers; replies are sent from there.
  explicit stub_scanner(boost::asio::any_io_executor timers,
                        stub_scanner_options options = {});

  // -- request_handler --------------------------------------------------------

  std::optional<http_response> check_header(const http::request_header<>& head,
                                            request_hold& hold) override;

  void handle(http_request&& req, responder reply) override;

  // -- runtime settings -------------------------------------------------------

  void set_latency(std::chrono::milliseconds latency);

  /// Clamped to [0, 1].
  void set_failure_rate(double rate);

  /// Restarts the failure draws from `seed`.
  void set_seed(std::uint64_t seed);

  // -- scripted faults --------------------------------------------------------

  /// Appends `faults` to the queue; the next submissions take them in
  /// order. Scripts nothing and returns false when a fault is unusable (a
  /// status outside 200 to 599, a negative delay).
  bool script_faults(std::vector<stub_fault> faults);

  /// Drops the faults no submission has taken yet.
  void clear_faults();

  /// Faults no submission has taken yet.
  std::size_t pending_faults() const;

  // -- what was received ------------------------------------------------------

  stub_scanner_stats stats() const;

  /// The recorded submissions, oldest first.
  std::vector<recorded_submission> requests() const;

  /// Forgets counts, recorded submissions, known digests and pending
  /// faults, and restarts the failure draws from the seed.
  void reset();

private:
  /// The outcome of one submission, decided under the lock.
  struct decision {
    bool fail = false;
    std::string scan_id;
    bool created = false;
    std::optional<stub_fault> fault;
  };

  void submit_scan(http_request&& req, responder reply);
  http_response stats_response(const http_request& req) const;
  http_response requests_response(const http_request& req) const;
  http_response faults_response(const http_request& req);
  void accept_scan(const std::string& digest, decision& outcome);
  void record(recorded_submission entry);

  const boost::asio::any_io_executor timers_;
  const std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  stub_scanner_options options_;
  std::mt19937_64 draws_;
  stub_scanner_stats stats_;
  std::deque<recorded_submission> recorded_;
  std::unordered_map<std::string, std::string> scan_ids_;
  std::uint64_t next_scan_ = 0;
  std::deque<stub_fault> faults_;
};

} // namespace deltascan::net
