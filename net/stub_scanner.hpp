// A stand-in for the vulnerability scanner's API: takes the scan submissions
// deltascand sends for drifted images, answers like the scanner (with
// optional latency and injected failures), and records what it received so
// tests and benchmarks can check which images were submitted, how often,
// and with which credentials.
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
};

/// One `POST /api/v1/scans` as it arrived.
struct recorded_submission {
  std::string body;
  /// The Authorization header, when the request had one.
  std::optional<std::string> authorization;
};

/// Serves the scanner's `POST /api/v1/scans` and the stub's own
/// `GET /stub/stats`, `GET /stub/requests` and `POST /stub/reset`.
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

  std::optional<http_response>
  check_header(const http::request_header<>& head) override;

  void handle(http_request&& req, responder reply) override;

  // -- runtime settings -------------------------------------------------------

  void set_latency(std::chrono::milliseconds latency);

  /// Clamped to [0, 1].
  void set_failure_rate(double rate);

  /// Restarts the failure draws from `seed`.
  void set_seed(std::uint64_t seed);

  // -- what was received ------------------------------------------------------

  stub_scanner_stats stats() const;

  /// The recorded submissions, oldest first.
  std::vector<recorded_submission> requests() const;

  /// Forgets counts, recorded submissions and known digests, and restarts
  /// the failure draws from the seed.
  void reset();

private:
  /// The outcome of one submission, decided under the lock.
  struct decision {
    bool fail = false;
    std::string scan_id;
    bool created = false;
  };

  void submit_scan(http_request&& req, responder reply);
  http_response stats_response(const http_request& req) const;
  http_response requests_response(const http_request& req) const;
  void record(std::string body, std::optional<std::string> authorization);

  const boost::asio::any_io_executor timers_;
  const std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  stub_scanner_options options_;
  std::mt19937_64 draws_;
  stub_scanner_stats stats_;
  std::deque<recorded_submission> recorded_;
  std::unordered_map<std::string, std::string> scan_ids_;
  std::uint64_t next_scan_ = 0;
};

} // namespace deltascan::net
