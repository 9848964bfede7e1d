// The circuit breaker on the scanner endpoint. When the scanner keeps
// failing, sending it every drift event's submission (and retrying each)
// only adds load to a struggling service and queues work in the daemon; an
// open breaker fails submissions at once instead, and lets a single probe
// find out when the scanner is back.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace deltascan {

struct breaker_policy {
  /// Consecutive failed attempts that open the breaker; 0 never opens it.
  std::size_t failures = 5;
  /// How long the breaker stays open before a probe is let through.
  std::chrono::milliseconds open_duration{30'000};
};

enum class breaker_state { closed, open, half_open };

/// `closed`, `open` or `half_open`, for logs and metric labels.
std::string_view to_string(breaker_state state);

/// The breaker's state machine. It is told the time rather than reading a
/// clock, so the owner decides which clock counts (the actor clock, which
/// tests control).
class circuit_breaker {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit circuit_breaker(breaker_policy policy = {}) : policy_{policy} {
    // nop
  }

  breaker_state state() const { return state_; }

  /// Counts state changes. An attempt's outcome only means something for
  /// the state it started in: an owner that notes the generation when an
  /// attempt starts, and records the outcome only while it is unchanged,
  /// keeps late answers from before the breaker opened (or half-opened)
  /// from closing or reopening it.
  std::uint64_t generation() const { return generation_; }

  /// When an open breaker lets a probe through; only meaningful while open.
  time_point reopens_at() const { return opened_at_ + policy_.open_duration; }

  /// Whether an attempt may start at `now`. An open breaker whose time is up
  /// turns half-open and lets exactly one attempt through, the probe; until
  /// its outcome is recorded, further attempts are refused.
  bool allow(time_point now);

  /// Records an attempt that reached a healthy scanner (any answer that
  /// does not count against the endpoint). Returns the new state if it
  /// changed.
  std::optional<breaker_state> record_success();

  /// Records an attempt that failed against the endpoint at `now`. Returns
  /// the new state if it changed.
  std::optional<breaker_state> record_failure(time_point now);

  /// Turns an open breaker half-open once its time is up, e.g. from a timer,
  /// so the state is right even while no submission arrives. Returns the new
  /// state if it changed.
  std::optional<breaker_state> poll(time_point now);

private:
  std::optional<breaker_state> move_to(breaker_state next);

  breaker_policy policy_;
  breaker_state state_ = breaker_state::closed;
  std::size_t consecutive_failures_ = 0;
  time_point opened_at_{};
  bool probe_in_flight_ = false;
  std::uint64_t generation_ = 0;
};

} // namespace deltascan
