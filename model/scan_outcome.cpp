#include "model/scan_outcome.hpp"

namespace deltascan {

std::string_view to_string(failure_kind kind) {
  switch (kind) {
  case failure_kind::none:
    return "none";
  case failure_kind::connection:
    return "connection";
  case failure_kind::timeout:
    return "timeout";
  case failure_kind::server_error:
    return "server_error";
  case failure_kind::request_timeout:
    return "request_timeout";
  case failure_kind::throttled:
    return "throttled";
  case failure_kind::rejected:
    return "rejected";
  case failure_kind::invalid_reply:
    return "invalid_reply";
  case failure_kind::breaker_open:
    return "breaker_open";
  case failure_kind::deadline:
    return "deadline";
  case failure_kind::shutdown:
    return "shutdown";
  }
  return "unknown";
}

bool is_retryable(failure_kind kind) {
  switch (kind) {
  case failure_kind::connection:
  case failure_kind::timeout:
  case failure_kind::server_error:
  case failure_kind::request_timeout:
  case failure_kind::throttled:
    return true;
  default:
    return false;
  }
}

} // namespace deltascan
