// One keep-alive connection of the load generator: it posts runtime event
// batches (or scan submissions) one after another, times each answer, and
// counts statuses and failures. All connections share the prepared bodies,
// the measurement window and the stop flag of one load test.
#pragma once

#include "benchmarks/corpus.hpp"
#include "benchmarks/loadgen_stats.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace deltascan::bench {

class open_loop_schedule;

using load_clock = std::chrono::steady_clock;

/// What every connection of one load test reads; fixed before they start.
struct load_plan {
  std::vector<request_body> bodies;
  boost::asio::ip::tcp::resolver::results_type endpoints;
  /// The Host header.
  std::string host;
  std::string path;
  std::string content_type;
  std::chrono::milliseconds timeout{10'000};
  /// Write fresh unique digests into every body before it is sent.
  bool unique = false;
  std::uint64_t seed = 1;
  bool parse_replies = false;
  /// Requests to send in all; 0 for no limit.
  std::uint64_t request_limit = 0;
  /// Answers count in the statistics when the request started (or was
  /// scheduled) at or after `measure_start` and was answered by
  /// `measure_end`.
  load_clock::time_point measure_start;
  load_clock::time_point measure_end;
};

/// What the connections of one load test change together.
struct load_progress {
  explicit load_progress(std::uint64_t first_unique)
      : next_unique{first_unique} {
    // nop
  }

  std::atomic<bool> stopping{false};
  /// Round robin over the bodies.
  std::atomic<std::uint64_t> next_body{0};
  /// Requests started, against `request_limit` (closed loop).
  std::atomic<std::uint64_t> started{0};
  /// Requests answered or lost.
  std::atomic<std::uint64_t> finished{0};
  std::atomic<std::uint64_t> next_unique;
  /// Called once, from a connection's thread, when `finished` reaches the
  /// request limit.
  std::function<void()> on_limit_reached;
};

class load_connection : public std::enable_shared_from_this<load_connection> {
public:
  /// `schedule` is null in the closed-loop mode.
  load_connection(boost::asio::io_context& ioc, const load_plan& plan,
                  load_progress& progress, open_loop_schedule* schedule);

  /// Connects, then sends until the test stops.
  void start();

  /// Sends the next body now; `scheduled` is when the open-loop timeline
  /// wanted it sent, which is where its latency is measured from, so that a
  /// stalled server cannot hide the requests it delayed. Thread-safe: runs
  /// on the connection's strand.
  void send_at(load_clock::time_point scheduled);

  /// Closes the socket, aborting what is in flight. Thread-safe.
  void close();

  /// Valid once the io_context has stopped running.
  const load_stats& stats() const { return stats_; }

private:
  void connect();
  void on_connect(const boost::system::error_code& ec);
  void ready();
  void send(load_clock::time_point scheduled);
  void on_write(const boost::system::error_code& ec, std::size_t bytes);
  void on_read(const boost::system::error_code& ec, std::size_t bytes);
  void fail(const boost::system::error_code& ec);
  void reconnect(std::chrono::milliseconds delay);
  void finish_request();
  bool in_window(load_clock::time_point now) const;

  const load_plan& plan_;
  load_progress& progress_;
  open_loop_schedule* const schedule_;
  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer retry_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::span_body<const char>> req_;
  boost::beast::http::response<boost::beast::http::string_body> res_;
  /// Unique mode: this connection's copy of the body being sent.
  std::string scratch_;
  const request_body* body_ = nullptr;
  load_clock::time_point started_at_;
  bool in_flight_ = false;
  load_stats stats_;
};

} // namespace deltascan::bench
