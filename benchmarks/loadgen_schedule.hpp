// The open-loop timeline of a load test: requests are due at fixed times
// (rate R means one every 1/R s, whatever the server does), so a server that
// stalls cannot slow the offered load down and hide the requests it delayed
// (coordinated omission). A due request goes to a free connection; when none
// is free it waits, in order, for the next one that becomes free, and its
// latency still counts from the time it was due.
#pragma once

#include "benchmarks/loadgen_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace deltascan::bench {

class open_loop_schedule {
public:
  /// `rate` requests per second in all, the first due at `start`; at most
  /// `limit` requests (0 for no limit).
  open_loop_schedule(boost::asio::io_context& ioc, double rate,
                     load_clock::time_point start, std::uint64_t limit);

  void start();

  /// Stops handing out requests and forgets the free connections.
  /// Thread-safe.
  void stop();

  /// A connection became free: returns the oldest due request still waiting
  /// for one, or parks the connection until the next request falls due.
  /// Thread-safe.
  std::optional<load_clock::time_point>
  take_or_park(std::shared_ptr<load_connection> connection);

  /// Due requests, due between `from` and `to`, that never found a free
  /// connection. Call once the io_context has stopped.
  std::uint64_t waiting_between(load_clock::time_point from,
                                load_clock::time_point to) const;

private:
  load_clock::time_point due(std::uint64_t index) const;
  void arm();
  void on_timer(const boost::system::error_code& ec);

  boost::asio::steady_timer timer_;
  const double rate_;
  const load_clock::time_point start_;
  const std::uint64_t limit_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<load_connection>> idle_;
  std::deque<load_clock::time_point> waiting_;
  std::uint64_t next_ = 0;
  bool stopped_ = false;
};

} // namespace deltascan::bench
