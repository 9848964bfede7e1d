// What became of one scan submission: the scanner accepted it (and said
// which scan it queued), or it failed for a reason worth logging. A failure
// also says what kind it was, because that decides whether the submission
// is tried again and which metric counts it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace deltascan {

/// Why a submission, or one attempt of it, failed.
enum class failure_kind {
  /// Not a failure.
  none,
  /// Connecting, writing or reading failed (refused, reset, closed, TLS).
  connection,
  /// The scanner did not answer within the attempt's timeout.
  timeout,
  /// The scanner answered 5xx.
  server_error,
  /// The scanner answered 408 Request Timeout.
  request_timeout,
  /// The scanner answered 429 Too Many Requests.
  throttled,
  /// The scanner answered another 4xx (or 1xx/3xx): the request is wrong.
  rejected,
  /// A 2xx answer without the fields a scan acceptance needs.
  invalid_reply,
  /// Not attempted: the circuit breaker is open.
  breaker_open,
  /// Given up at the batch deadline or when the retry budget ran out.
  deadline,
  /// Not attempted, or abandoned, because the daemon is shutting down.
  shutdown,
};

/// A short name for metric labels and logs, e.g. `server_error`.
std::string_view to_string(failure_kind kind);

/// Whether the scanner might accept the same submission later: connection
/// errors, timeouts, 5xx, 408 and 429.
bool is_retryable(failure_kind kind);

/// Whether the failure says the scanner endpoint is unhealthy, which is
/// what the circuit breaker counts: the retryable kinds.
inline bool counts_against_endpoint(failure_kind kind) {
  return is_retryable(kind);
}

struct scan_outcome {
  /// True when the scanner accepted the submission.
  bool accepted = false;
  /// The scanner's identifier for the queued scan; empty on failure.
  std::string scan_id;
  /// Whether the scanner created a new scan rather than reusing one.
  bool created = false;
  /// Why the submission failed; empty on success.
  std::string reason;
  /// What kind of failure; `none` on success.
  failure_kind kind = failure_kind::none;
  /// The HTTP status the scanner answered, 0 when there was no answer.
  unsigned status = 0;
  /// How long the scanner asked to wait (`Retry-After`), when it did.
  std::optional<std::chrono::milliseconds> retry_after;

  static scan_outcome success(std::string scan_id, bool created,
                              unsigned status = 0) {
    scan_outcome result;
    result.accepted = true;
    result.scan_id = std::move(scan_id);
    result.created = created;
    result.status = status;
    return result;
  }

  static scan_outcome failure(std::string reason,
                              failure_kind kind = failure_kind::connection,
                              unsigned status = 0) {
    scan_outcome result;
    result.reason = std::move(reason);
    result.kind = kind;
    result.status = status;
    return result;
  }

  friend bool operator==(const scan_outcome&, const scan_outcome&) = default;
};

} // namespace deltascan
