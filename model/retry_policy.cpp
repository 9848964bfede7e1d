#include "model/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace deltascan {

using std::chrono::milliseconds;

milliseconds backoff_bound(const retry_policy& policy, std::size_t retry) {
  auto bound = policy.initial_backoff;
  // Doubling stops at the cap, so no shift can overflow whatever the
  // attempt count.
  for (std::size_t i = 1; i < retry && bound < policy.max_backoff; ++i)
    bound *= 2;
  return std::min(bound, policy.max_backoff);
}

retry_decision decide_retry(const retry_policy& policy,
                            const scan_outcome& failed, std::size_t attempts,
                            milliseconds elapsed, milliseconds remaining,
                            double jitter) {
  retry_decision result;
  // The answer is final: retrying the same request gets the same answer.
  if (!is_retryable(failed.kind))
    return result;
  if (attempts >= policy.max_attempts) {
    result.why_not = "gave up after " + std::to_string(attempts) +
                     (attempts == 1 ? " attempt" : " attempts");
    return result;
  }
  if (failed.retry_after) {
    // The scanner said when it can take the request again: earlier would
    // only be refused once more.
    result.delay = std::min(*failed.retry_after, policy.max_retry_after);
  } else {
    auto bound = backoff_bound(policy, attempts);
    jitter = std::clamp(jitter, 0.0, 1.0);
    result.delay = milliseconds{static_cast<milliseconds::rep>(
        std::floor(static_cast<double>(bound.count()) * jitter))};
  }
  if (elapsed + result.delay > policy.budget) {
    result.why_not = "gave up after " + std::to_string(attempts) +
                     (attempts == 1 ? " attempt" : " attempts") +
                     ": the retry budget of " +
                     std::to_string(policy.budget.count()) + " ms is spent";
    return result;
  }
  if (result.delay >= remaining) {
    result.why_not = "gave up after " + std::to_string(attempts) +
                     (attempts == 1 ? " attempt" : " attempts") +
                     ": the next one would start after the batch deadline";
    return result;
  }
  result.retry = true;
  return result;
}

} // namespace deltascan
