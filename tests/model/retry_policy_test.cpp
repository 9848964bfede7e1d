// The retry rules on their own: which failures are retried, how the backoff
// grows and is spread, and the bounds every submission gives up at.
#include "model/retry_policy.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;
using namespace std::chrono_literals;

namespace {

retry_policy policy() {
  retry_policy p;
  p.max_attempts = 5;
  p.initial_backoff = 100ms;
  p.max_backoff = 1000ms;
  p.budget = 10s;
  p.max_retry_after = 5s;
  return p;
}

scan_outcome failure(failure_kind kind) {
  return scan_outcome::failure("failed", kind);
}

} // namespace

TEST_CASE("the backoff bound doubles per retry up to its cap") {
  auto p = policy();
  CHECK(backoff_bound(p, 1) == 100ms);
  CHECK(backoff_bound(p, 2) == 200ms);
  CHECK(backoff_bound(p, 3) == 400ms);
  CHECK(backoff_bound(p, 4) == 800ms);
  CHECK(backoff_bound(p, 5) == 1000ms);
  CHECK(backoff_bound(p, 1000) == 1000ms);
}

TEST_CASE("only failures the scanner may recover from are retried") {
  auto p = policy();
  for (auto kind : {failure_kind::connection, failure_kind::timeout,
                    failure_kind::server_error, failure_kind::request_timeout,
                    failure_kind::throttled})
    CHECK(decide_retry(p, failure(kind), 1, 0ms, 60s, 0.5).retry);
  for (auto kind : {failure_kind::rejected, failure_kind::invalid_reply,
                    failure_kind::breaker_open, failure_kind::deadline,
                    failure_kind::shutdown}) {
    auto d = decide_retry(p, failure(kind), 1, 0ms, 60s, 0.5);
    CHECK_FALSE(d.retry);
    // A final answer needs no explanation beyond its own reason.
    CHECK(d.why_not.empty());
  }
}

TEST_CASE("full jitter spreads the wait between zero and the bound") {
  auto p = policy();
  auto f = failure(failure_kind::server_error);
  CHECK(decide_retry(p, f, 1, 0ms, 60s, 0.0).delay == 0ms);
  CHECK(decide_retry(p, f, 1, 0ms, 60s, 0.5).delay == 50ms);
  CHECK(decide_retry(p, f, 3, 0ms, 60s, 0.5).delay == 200ms);
  CHECK(decide_retry(p, f, 4, 0ms, 60s, 0.999).delay == 799ms);
  // Out-of-range jitter is clamped rather than trusted.
  CHECK(decide_retry(p, f, 1, 0ms, 60s, 7.0).delay == 100ms);
}

TEST_CASE("Retry-After replaces the backoff, capped") {
  auto p = policy();
  auto f = failure(failure_kind::throttled);
  f.retry_after = 2s;
  CHECK(decide_retry(p, f, 1, 0ms, 60s, 0.0).delay == 2s);
  f.retry_after = 3600s;
  CHECK(decide_retry(p, f, 1, 0ms, 60s, 0.0).delay == 5s);
  f.retry_after = 0ms;
  CHECK(decide_retry(p, f, 1, 0ms, 60s, 0.9).delay == 0ms);
}

TEST_CASE("attempts, budget and deadline each stop the retries") {
  auto p = policy();
  auto f = failure(failure_kind::server_error);
  auto last = decide_retry(p, f, 5, 0ms, 60s, 0.5);
  CHECK_FALSE(last.retry);
  CHECK(last.why_not == "gave up after 5 attempts");
  auto spent = decide_retry(p, f, 2, 9990ms, 60s, 0.5);
  CHECK_FALSE(spent.retry);
  CHECK_THAT(spent.why_not, Catch::Contains("retry budget of 10000 ms"));
  auto late = decide_retry(p, f, 2, 0ms, 50ms, 0.5);
  CHECK_FALSE(late.retry);
  CHECK_THAT(late.why_not, Catch::Contains("batch deadline"));
  CHECK(decide_retry(p, f, 2, 0ms, 101ms, 0.5).retry);
}

TEST_CASE("one attempt means no retry at all") {
  auto p = policy();
  p.max_attempts = 1;
  auto d = decide_retry(p, failure(failure_kind::connection), 1, 0ms, 60s, 0);
  CHECK_FALSE(d.retry);
  CHECK(d.why_not == "gave up after 1 attempt");
}
