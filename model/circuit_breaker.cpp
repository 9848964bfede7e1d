#include "model/circuit_breaker.hpp"

namespace deltascan {

std::string_view to_string(breaker_state state) {
  switch (state) {
  case breaker_state::closed:
    return "closed";
  case breaker_state::open:
    return "open";
  case breaker_state::half_open:
    return "half_open";
  }
  return "unknown";
}

bool circuit_breaker::allow(time_point now) {
  poll(now);
  switch (state_) {
  case breaker_state::closed:
    return true;
  case breaker_state::open:
    return false;
  case breaker_state::half_open:
    if (probe_in_flight_)
      return false;
    probe_in_flight_ = true;
    return true;
  }
  return false;
}

std::optional<breaker_state> circuit_breaker::record_success() {
  consecutive_failures_ = 0;
  probe_in_flight_ = false;
  return move_to(breaker_state::closed);
}

std::optional<breaker_state> circuit_breaker::record_failure(time_point now) {
  if (policy_.failures == 0)
    return std::nullopt;
  ++consecutive_failures_;
  switch (state_) {
  case breaker_state::closed:
    if (consecutive_failures_ < policy_.failures)
      return std::nullopt;
    break;
  case breaker_state::open:
    // An attempt started before the breaker opened; it changes nothing.
    return std::nullopt;
  case breaker_state::half_open:
    // The probe failed (or an attempt from before the breaker opened did):
    // the scanner is still unwell.
    break;
  }
  probe_in_flight_ = false;
  opened_at_ = now;
  return move_to(breaker_state::open);
}

std::optional<breaker_state> circuit_breaker::poll(time_point now) {
  if (state_ == breaker_state::open && now >= reopens_at()) {
    probe_in_flight_ = false;
    return move_to(breaker_state::half_open);
  }
  return std::nullopt;
}

std::optional<breaker_state> circuit_breaker::move_to(breaker_state next) {
  if (state_ == next)
    return std::nullopt;
  state_ = next;
  ++generation_;
  return next;
}

} // namespace deltascan
