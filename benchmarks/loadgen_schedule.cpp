// Hands due requests of the open-loop timeline to free connections.
#include "benchmarks/loadgen_schedule.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <cmath>
#include <utility>

namespace deltascan::bench {

namespace asio = boost::asio;

open_loop_schedule::open_loop_schedule(asio::io_context& ioc, double rate,
                                       load_clock::time_point start,
                                       std::uint64_t limit)
    : timer_{asio::make_strand(ioc)}, rate_{rate}, start_{start}, limit_{
                                                                      limit} {
  // nop
}

load_clock::time_point open_loop_schedule::due(std::uint64_t index) const {
  // Computed from the index, not by adding intervals, so rounding never
  // accumulates into drift of the offered rate.
  auto offset = std::llround(static_cast<double>(index) * 1e9 / rate_);
  return start_ + std::chrono::nanoseconds{offset};
}

void open_loop_schedule::start() {
  asio::post(timer_.get_executor(), [this] { arm(); });
}

void open_loop_schedule::stop() {
  std::vector<std::shared_ptr<load_connection>> released;
  {
    std::lock_guard guard{mutex_};
    stopped_ = true;
    released.swap(idle_);
  }
  asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

std::optional<load_clock::time_point>
open_loop_schedule::take_or_park(std::shared_ptr<load_connection> connection) {
  std::lock_guard guard{mutex_};
  if (stopped_)
    return std::nullopt;
  if (!waiting_.empty()) {
    auto due_at = waiting_.front();
    waiting_.pop_front();
    return due_at;
  }
  idle_.push_back(std::move(connection));
  return std::nullopt;
}

std::uint64_t
open_loop_schedule::waiting_between(load_clock::time_point from,
                                    load_clock::time_point to) const {
  std::lock_guard guard{mutex_};
  std::uint64_t count = 0;
  for (auto due_at : waiting_)
    if (due_at >= from && due_at <= to)
      ++count;
  return count;
}

void open_loop_schedule::arm() {
  {
    std::lock_guard guard{mutex_};
    if (stopped_ || (limit_ != 0 && next_ >= limit_))
      return;
    timer_.expires_at(due(next_));
  }
  timer_.async_wait(
      [this](const boost::system::error_code& ec) { on_timer(ec); });
}

void open_loop_schedule::on_timer(const boost::system::error_code& ec) {
  if (ec)
    return;
  std::vector<
      std::pair<std::shared_ptr<load_connection>, load_clock::time_point>>
      sends;
  {
    std::lock_guard guard{mutex_};
    if (stopped_)
      return;
    auto now = load_clock::now();
    while ((limit_ == 0 || next_ < limit_) && due(next_) <= now) {
      auto due_at = due(next_++);
      if (idle_.empty()) {
        waiting_.push_back(due_at);
        continue;
      }
      sends.emplace_back(std::move(idle_.back()), due_at);
      idle_.pop_back();
    }
  }
  for (auto& [connection, due_at] : sends)
    connection->send_at(due_at);
  arm();
}

} // namespace deltascan::bench
