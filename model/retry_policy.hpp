// When a failed scan submission is tried again, and after how long. The
// scanner may be restarting, overloaded or briefly unreachable; retrying at
// once and in step with every other submission would make that worse, so
// waits grow exponentially and are spread at random ("full jitter"), a
// scanner's own Retry-After wins, and every submission gives up within a
// bounded number of attempts and time.
#pragma once

#include "model/scan_outcome.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace deltascan {

struct retry_policy {
  /// Total attempts per submission; 1 means no retry.
  std::size_t max_attempts = 4;
  /// The upper bound of the first wait; it doubles with every retry.
  std::chrono::milliseconds initial_backoff{200};
  /// The largest upper bound a wait can have.
  std::chrono::milliseconds max_backoff{5'000};
  /// No retry starts later than this after the first attempt began.
  std::chrono::milliseconds budget{8'000};
  /// A longer Retry-After from the scanner is cut to this.
  std::chrono::milliseconds max_retry_after{30'000};

  friend bool operator==(const retry_policy&, const retry_policy&) = default;
};

/// Whether to try a failed submission again, and when.
struct retry_decision {
  bool retry = false;
  /// How long to wait before the next attempt.
  std::chrono::milliseconds delay{0};
  /// When a retryable failure is not retried: why, for the submission's
  /// final failure reason. Empty for failures that are never retried.
  std::string why_not;
};

/// The upper bound of the wait before retry number `retry` (1 for the first
/// retry): `initial_backoff * 2^(retry-1)`, at most `max_backoff`.
std::chrono::milliseconds backoff_bound(const retry_policy& policy,
                                        std::size_t retry);

/// Decides about `failed`, the outcome of attempt number `attempts` (1 for
/// the first). `elapsed` is the time since the first attempt began and
/// `remaining` the time left until the batch's deadline. `jitter` is a
/// uniformly random number in [0, 1) that spreads the wait.
retry_decision decide_retry(const retry_policy& policy,
                            const scan_outcome& failed, std::size_t attempts,
                            std::chrono::milliseconds elapsed,
                            std::chrono::milliseconds remaining, double jitter);

} // namespace deltascan
