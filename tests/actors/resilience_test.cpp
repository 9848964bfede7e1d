// Scan submissions under a failing scanner, in simulated time: retries and
// their backoff, Retry-After, the retry budget and the batch deadline, the
// circuit breaker, and the core's bounds on pending work and per-node or
// per-tenant drift.
#include "actors/logging.hpp"
#include "tests/actors/fixture.hpp"

#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

using namespace deltascan;
using namespace deltascan::test;
using namespace std::chrono_literals;

namespace {

std::string digest(char c) {
  return "sha256:" + std::string(64, c);
}

scan_outcome answered(unsigned status, failure_kind kind) {
  return scan_outcome::failure("scanner answered " + std::to_string(status),
                               kind, status);
}

scan_outcome server_error() {
  return answered(500, failure_kind::server_error);
}

scan_outcome throttled(std::chrono::milliseconds retry_after) {
  auto outcome = answered(429, failure_kind::throttled);
  outcome.retry_after = retry_after;
  return outcome;
}

core_settings retrying(std::size_t attempts = 4) {
  auto settings = core_fixture::default_settings();
  settings.retry.max_attempts = attempts;
  settings.retry.initial_backoff = 1000ms;
  settings.retry.max_backoff = 4000ms;
  settings.retry.budget = 30s;
  settings.retry.max_retry_after = 10s;
  settings.batch_deadline = 60s;
  return settings;
}

// Moves time forward in 100 ms steps until the transport has `calls`
// calls, at most `limit` of simulated time; returns the time it took.
caf::timespan advance_until_calls(core_fixture& f, std::size_t calls,
                                  caf::timespan limit = 10s) {
  caf::timespan waited{0};
  while (f.transport().calls().size() < calls && waited < limit) {
    f.advance(100ms, 100ms);
    waited += 100ms;
  }
  return waited;
}

// Keeps what a component logger writes at info and above while it lives.
class captured_log {
public:
  explicit captured_log(const std::string& component)
      : logger_{component_logger(component)},
        sink_{std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)},
        level_{logger_->level()} {
    logger_->sinks().push_back(sink_);
    logger_->set_level(spdlog::level::info);
  }

  ~captured_log() {
    auto& sinks = logger_->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    logger_->set_level(level_);
  }

  captured_log(const captured_log&) = delete;
  captured_log& operator=(const captured_log&) = delete;

  /// The lines so far that contain `text`.
  std::size_t count(std::string_view text) const {
    auto lines = sink_->last_formatted();
    return static_cast<std::size_t>(
        std::count_if(lines.begin(), lines.end(), [&](const auto& line) {
          return line.find(text) != std::string::npos;
        }));
  }

private:
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  spdlog::level::level_enum level_;
};

// Settings whose breaker opens after two failed attempts, for ten seconds.
core_settings breaking_after_two() {
  auto settings = retrying(1);
  settings.breaker.failures = 2;
  settings.breaker.open_duration = 10s;
  return settings;
}

// Sends three submissions and fails the first two: the breaker opens while
// the third's attempt is still at the transport (call 2).
core_fixture::pending_reply open_with_one_attempt_out(core_fixture& f) {
  auto pending =
      f.post(batch({drift("e1", digest('a')), drift("e2", digest('b')),
                    drift("e3", digest('c'))}));
  f.run();
  REQUIRE(f.transport().calls().size() == 3);
  f.transport().complete(0, server_error());
  f.transport().complete(1, server_error());
  f.run();
  REQUIRE(f.metric("deltascan_scanner_breaker_state") == 1);
  return pending;
}

// Answers the half-open breaker's probe, the transport's call `call`, with
// success: its batch counts the scan as triggered and the breaker closes.
void pass_probe(core_fixture& f, const core_fixture::pending_reply& probe,
                std::size_t call) {
  f.transport().complete(call, ok());
  auto r = f.await(probe);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{1, 0, 0});
  CHECK(f.metric("deltascan_scanner_breaker_state") == 0);
}

} // namespace

TEST_CASE("a 500 is retried with the same request until it succeeds") {
  core_fixture f{retrying()};
  auto pending = f.post(batch({drift("e1", digest('a'))}));
  f.run();
  REQUIRE(f.transport().calls().size() == 1);
  f.transport().complete(0, server_error());
  f.run();
  // Full jitter: the first retry comes within the first backoff bound.
  auto waited = advance_until_calls(f, 2);
  CHECK(waited <= 1000ms);
  REQUIRE(f.transport().calls().size() == 2);
  f.transport().complete(1, server_error());
  f.run();
  CHECK(advance_until_calls(f, 3) <= 2000ms);
  REQUIRE(f.transport().calls().size() == 3);
  f.transport().complete(2, ok());
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{1, 0, 0});
  // Every attempt carried the same request, so the scanner can tell a
  // retry from a new scan.
  const auto& calls = f.transport().calls();
  CHECK(calls[1].submission == calls[0].submission);
  CHECK(calls[2].submission == calls[0].submission);
  CHECK(calls[0].submission.client_request_id == "drift:e1");
  CHECK(f.metric("deltascan_scanner_retries_total", "reason", "server_error") ==
        2);
  CHECK(f.metric("deltascan_scanner_failures_total", "reason",
                 "server_error") == 0);
  CHECK(f.metric("deltascan_scanner_submission_seconds") == 1);
}

TEST_CASE("connection errors, timeouts, 408 and 429 are retried") {
  auto kind = GENERATE(failure_kind::connection, failure_kind::timeout,
                       failure_kind::request_timeout, failure_kind::throttled);
  core_fixture f{retrying()};
  auto pending = f.post(batch({drift("e1", digest('a'))}));
  f.run();
  f.transport().complete(0, scan_outcome::failure("failed", kind));
  f.run();
  advance_until_calls(f, 2);
  REQUIRE(f.transport().calls().size() == 2);
  f.transport().complete(1, ok());
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{1, 0, 0});
  CHECK(f.metric("deltascan_scanner_retries_total", "reason",
                 std::string{to_string(kind)}) == 1);
}

TEST_CASE("other 4xx answers and invalid replies are final") {
  auto outcome = GENERATE(answered(400, failure_kind::rejected),
                          answered(401, failure_kind::rejected),
                          answered(200, failure_kind::invalid_reply));
  core_fixture f{retrying()};
  f.transport().complete_at_once(outcome);
  auto r = f.process(batch({drift("e1", digest('a'))}));
  CHECK(r.counts == drift_counts{0, 1, 0});
  f.advance(20s);
  CHECK(f.transport().calls().size() == 1);
  CHECK(f.metric("deltascan_scanner_failures_total", "reason",
                 std::string{to_string(outcome.kind)}) == 1);
}

TEST_CASE("a submission gives up after max_attempts") {
  core_fixture f{retrying(3)};
  f.transport().complete_at_once(server_error());
  auto pending = f.post(batch({drift("e1", digest('a'))}));
  f.advance(20s, 100ms);
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{0, 1, 0});
  CHECK(f.transport().calls().size() == 3);
  CHECK(f.metric("deltascan_scanner_retries_total", "reason", "server_error") ==
        2);
  CHECK(f.metric("deltascan_scanner_failures_total", "reason",
                 "server_error") == 1);
  // A failure is not remembered: the image's next drift submits again.
  f.transport().complete_at_once(ok());
  CHECK(f.process(batch({drift("e2", digest('a'))})).counts ==
        drift_counts{1, 0, 0});
}

TEST_CASE("a Retry-After is waited out exactly, capped by configuration") {
  core_fixture f{retrying()};
  auto pending = f.post(batch({drift("e1", digest('a'))}));
  f.run();
  f.transport().complete(0, throttled(3s));
  f.run();
  f.advance(2900ms, 100ms);
  CHECK(f.transport().calls().size() == 1);
  f.advance(100ms, 100ms);
  REQUIRE(f.transport().calls().size() == 2);
  // An hour is cut to max_retry_after (10 s).
  f.transport().complete(1, throttled(3600s));
  f.run();
  f.advance(9900ms, 100ms);
  CHECK(f.transport().calls().size() == 2);
  f.advance(100ms, 100ms);
  REQUIRE(f.transport().calls().size() == 3);
  f.transport().complete(2, ok());
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{1, 0, 0});
  CHECK(f.metric("deltascan_scanner_retries_total", "reason", "throttled") ==
        2);
}

TEST_CASE("no retry starts after the retry budget is spent") {
  auto settings = retrying(10);
  settings.retry.budget = 5s;
  core_fixture f{settings};
  auto pending = f.post(batch({drift("e1", digest('a'))}));
  f.run();
  f.transport().complete(0, throttled(3s));
  f.run();
  f.advance(3s, 100ms);
  REQUIRE(f.transport().calls().size() == 2);
  // Another 3 s would end 6 s after the first attempt, past the budget.
  f.transport().complete(1, throttled(3s));
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{0, 1, 0});
  CHECK(f.transport().calls().size() == 2);
}

TEST_CASE("a batch is answered by its deadline whatever the scanner does") {
  auto settings = retrying();
  settings.batch_deadline = 5s;
  core_fixture f{settings};
  // The scanner never answers.
  auto pending =
      f.post(batch({drift("e1", digest('a')), drift("e2", digest('b'))}));
  f.run();
  REQUIRE(f.transport().calls().size() == 2);
  f.advance(4800ms, 100ms);
  CHECK_FALSE(f.await(pending).has_value());
  f.advance(200ms, 100ms);
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{0, 2, 0});
  CHECK(f.metric("deltascan_scanner_failures_total", "reason", "deadline") ==
        2);
  // A late success of the abandoned attempt is not remembered, and the
  // next drift of the image is submitted again.
  f.transport().complete(0, ok());
  f.run();
  f.transport().complete_at_once(ok());
  CHECK(f.process(batch({drift("e3", digest('a'))})).counts ==
        drift_counts{1, 0, 0});
}

TEST_CASE("an attempt abandoned at the deadline holds back its image") {
  auto settings = retrying();
  settings.batch_deadline = 5s;
  core_fixture f{settings};
  auto first = f.post(batch({drift("e1", digest('a'))}, "b1"));
  f.run();
  REQUIRE(f.transport().calls().size() == 1);
  f.advance(5s, 100ms);
  auto r1 = f.await(first);
  REQUIRE(r1);
  CHECK(std::get<batch_result>(*r1).counts == drift_counts{0, 1, 0});
  // The scanner may still act on e1's request: a later drift of the same
  // image waits for it rather than send a second one beside it.
  auto second = f.post(batch({drift("e2", digest('a'))}, "b2"));
  f.run();
  CHECK(f.transport().calls().size() == 1);
  CHECK_FALSE(f.await(second).has_value());

  SECTION("its late success stands for the waiting submission") {
    f.transport().complete(0, ok());
    auto r2 = f.await(second);
    REQUIRE(r2);
    CHECK(std::get<batch_result>(*r2).counts == drift_counts{1, 0, 0});
    CHECK(f.transport().calls().size() == 1);
    // And it starts the image's cooldown, as any success does.
    CHECK(f.process(batch({drift("e3", digest('a'))})).counts ==
          drift_counts{0, 0, 1});
  }
  SECTION("after its late failure the waiting submission goes out") {
    f.transport().complete(0, answered(400, failure_kind::rejected));
    f.run();
    REQUIRE(f.transport().calls().size() == 2);
    CHECK(f.transport().calls()[1].submission.client_request_id == "drift:e2");
    f.transport().complete(1, ok());
    auto r2 = f.await(second);
    REQUIRE(r2);
    CHECK(std::get<batch_result>(*r2).counts == drift_counts{1, 0, 0});
  }
  // Other images never wait.
  f.transport().complete_at_once(ok());
  CHECK(f.process(batch({drift("e4", digest('b'))})).counts ==
        drift_counts{1, 0, 0});
}

TEST_CASE("a submission already past its deadline counts as a deadline "
          "failure") {
  auto settings = retrying();
  settings.batch_deadline = 5s;
  core_fixture f{settings};
  // e2 waits in its shard behind e1 of the same image, whose attempt
  // outlives the batch; e2 reaches the coordinator after the deadline.
  auto pending =
      f.post(batch({drift("e1", digest('a')), drift("e2", digest('a'))}, "b1"));
  f.run();
  f.advance(5s, 100ms);
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{0, 2, 0});
  f.transport().complete(0, server_error());
  f.run();
  CHECK(f.transport().calls().size() == 1);
  CHECK(f.metric("deltascan_scanner_failures_total", "reason", "deadline") ==
        2);
}

TEST_CASE("a retry that would end past the deadline is not started") {
  auto settings = retrying();
  settings.batch_deadline = 5s;
  core_fixture f{settings};
  auto pending = f.post(batch({drift("e1", digest('a'))}));
  f.run();
  f.transport().complete(0, throttled(8s));
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{0, 1, 0});
  CHECK(f.transport().calls().size() == 1);
}

TEST_CASE("retries never make a second submission for the same digest") {
  core_fixture f{retrying()};
  auto first = f.post(batch({drift("e1", digest('a'))}, "b1"));
  f.run();
  f.transport().complete(0, server_error());
  f.run();
  // While e1 backs off, another batch reports the same image.
  auto second = f.post(batch({drift("e2", digest('a'))}, "b2"));
  f.run();
  CHECK(f.transport().calls().size() == 1);
  advance_until_calls(f, 2);
  REQUIRE(f.transport().calls().size() == 2);
  CHECK(f.transport().calls()[1].submission.client_request_id == "drift:e1");
  f.transport().complete(1, ok());
  f.run();
  auto r1 = f.await(first);
  auto r2 = f.await(second);
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(std::get<batch_result>(*r1).counts == drift_counts{1, 0, 0});
  CHECK(std::get<batch_result>(*r2).counts == drift_counts{0, 0, 1});
  CHECK(f.transport().calls().size() == 2);
}

TEST_CASE("the breaker opens, fails fast, probes once and closes") {
  captured_log log{"scanner"};
  captured_log dedup_log{"dedup"};
  auto settings = retrying(1);
  settings.breaker.failures = 3;
  settings.breaker.open_duration = 30s;
  core_fixture f{settings};
  f.transport().complete_at_once(server_error());
  CHECK(f.process(batch({drift("e1", digest('a')), drift("e2", digest('b')),
                         drift("e3", digest('c'))}))
            .counts == drift_counts{0, 3, 0});
  CHECK(f.metric("deltascan_scanner_breaker_state") == 1);
  CHECK(f.metric("deltascan_scanner_breaker_transitions_total", "to", "open") ==
        1);
  // Open: no request reaches the scanner, the events count as skipped.
  CHECK(f.process(batch({drift("e4", digest('d'))})).counts ==
        drift_counts{0, 1, 0});
  CHECK(f.transport().calls().size() == 3);
  CHECK(f.metric("deltascan_scanner_failures_total", "reason",
                 "breaker_open") == 1);
  f.advance(30s);
  CHECK(f.metric("deltascan_scanner_breaker_state") == 2);
  // Half-open: the first submission is the probe, the next fails fast.
  f.transport().complete_at_once(std::nullopt);
  auto probe = f.post(batch({drift("e5", digest('e'))}, "probe"));
  f.run();
  REQUIRE(f.transport().calls().size() == 4);
  CHECK(f.process(batch({drift("e6", digest('f'))})).counts ==
        drift_counts{0, 1, 0});
  CHECK(f.transport().calls().size() == 4);
  pass_probe(f, probe, 3);
  CHECK(f.metric("deltascan_scanner_breaker_transitions_total", "to",
                 "closed") == 1);
  f.transport().complete_at_once(ok());
  CHECK(f.process(batch({drift("e7", digest('f'))})).counts ==
        drift_counts{1, 0, 0});
  // One line per state change, none for the submissions that failed fast.
  CHECK(log.count("circuit breaker opened") == 1);
  CHECK(log.count("circuit breaker half-open") == 1);
  CHECK(log.count("circuit breaker closed") == 1);
  CHECK(log.count("circuit breaker") == 3);
  CHECK(dedup_log.count("circuit breaker") == 0);
}

TEST_CASE("late answers from before the breaker opened change nothing") {
  core_fixture f{breaking_after_two()};
  auto pending = open_with_one_attempt_out(f);
  // The third answers late, successfully: the breaker stays open, since
  // only a probe may close it.
  f.transport().complete(2, ok());
  REQUIRE(f.await(pending));
  CHECK(f.metric("deltascan_scanner_breaker_state") == 1);
  CHECK(f.process(batch({drift("e4", digest('d'))})).counts ==
        drift_counts{0, 1, 0});
  CHECK(f.transport().calls().size() == 3);
  CHECK(f.metric("deltascan_scanner_breaker_transitions_total", "to", "open") ==
        1);
}

TEST_CASE("a late failure while the probe is out neither reopens the "
          "breaker nor lets a second probe through") {
  core_fixture f{breaking_after_two()};
  auto early = open_with_one_attempt_out(f);
  f.advance(10s);
  REQUIRE(f.metric("deltascan_scanner_breaker_state") == 2);
  auto probe = f.post(batch({drift("e4", digest('d'))}, "probe"));
  f.run();
  REQUIRE(f.transport().calls().size() == 4);
  // e3's attempt started before the breaker opened and fails now.
  f.transport().complete(2, server_error());
  REQUIRE(f.await(early));
  CHECK(f.metric("deltascan_scanner_breaker_state") == 2);
  CHECK(f.process(batch({drift("e5", digest('e'))})).counts ==
        drift_counts{0, 1, 0});
  CHECK(f.transport().calls().size() == 4);
  pass_probe(f, probe, 3);
  CHECK(f.metric("deltascan_scanner_breaker_transitions_total", "to", "open") ==
        1);
}

TEST_CASE("a failed probe opens the breaker again") {
  core_fixture f{breaking_after_two()};
  f.transport().complete_at_once(server_error());
  f.process(batch({drift("e1", digest('a')), drift("e2", digest('b'))}));
  CHECK(f.metric("deltascan_scanner_breaker_state") == 1);
  f.advance(10s);
  CHECK(f.metric("deltascan_scanner_breaker_state") == 2);
  CHECK(f.process(batch({drift("e3", digest('c'))})).counts ==
        drift_counts{0, 1, 0});
  CHECK(f.transport().calls().size() == 3);
  CHECK(f.metric("deltascan_scanner_breaker_state") == 1);
  CHECK(f.metric("deltascan_scanner_breaker_transitions_total", "to", "open") ==
        2);
  // Still open until another full period has passed.
  f.advance(9s);
  CHECK(f.metric("deltascan_scanner_breaker_state") == 1);
  f.advance(1s);
  CHECK(f.metric("deltascan_scanner_breaker_state") == 2);
}

TEST_CASE("a final 4xx does not open the breaker") {
  auto settings = retrying(1);
  settings.breaker.failures = 2;
  core_fixture f{settings};
  f.transport().complete_at_once(answered(400, failure_kind::rejected));
  f.process(batch({drift("e1", digest('a')), drift("e2", digest('b')),
                   drift("e3", digest('c'))}));
  CHECK(f.metric("deltascan_scanner_breaker_state") == 0);
  CHECK(f.transport().calls().size() == 3);
}

TEST_CASE("a batch over the pending-event bound is refused, then accepted") {
  auto settings = core_fixture::default_settings();
  settings.max_pending_events = 3;
  core_fixture f{settings};
  auto held = f.post(
      batch({drift("e1", digest('a')), drift("e2", digest('b'))}, "held"));
  f.run();
  auto r = f.await(f.post(
      batch({drift("e3", digest('c')), drift("e4", digest('d'))}, "too-much")));
  REQUIRE(r);
  REQUIRE(std::holds_alternative<caf::error>(*r));
  CHECK(error_code(std::get<caf::error>(*r)) == ec::overloaded);
  CHECK(f.metric("deltascan_batches_overloaded_total") == 1);
  // Events without drift, and batches within the bound, still pass.
  f.transport().complete_at_once(ok());
  CHECK(f.process(batch({start_event("s1"), drift("e5", digest('e'))}))
            .events_received == 2);
  f.transport().complete_all(ok());
  REQUIRE(f.await(held));
  CHECK(f.process(batch({drift("e3", digest('c')), drift("e4", digest('d'))}))
            .counts == drift_counts{2, 0, 0});
}

TEST_CASE("a core at its pending-event bound refuses batches unread") {
  auto settings = core_fixture::default_settings();
  settings.max_pending_events = 3;
  core_fixture f{settings};
  CHECK(f.core().admit());
  auto below = f.post(
      batch({drift("e1", digest('a')), drift("e2", digest('b'))}, "below"));
  f.run();
  // Two of three held: a batch may still fit.
  CHECK(f.core().admit());
  auto at = f.post(batch({drift("e3", digest('c'))}, "at"));
  f.run();
  CHECK_FALSE(f.core().admit());
  CHECK_FALSE(f.core().admit());
  CHECK(f.metric("deltascan_batches_overloaded_total") == 2);
  // Answered batches release what they held.
  f.transport().complete_all(ok());
  REQUIRE(f.await(below));
  REQUIRE(f.await(at));
  CHECK(f.core().admit());
  CHECK(f.metric("deltascan_batches_overloaded_total") == 2);
}

TEST_CASE("drift beyond a node's rate limit is skipped and counted") {
  auto settings = core_fixture::default_settings();
  settings.per_node = bucket_limit{1, 2};
  core_fixture f{settings};
  f.transport().complete_at_once(ok());
  auto r =
      f.process(batch({drift("e1", digest('a')), drift("e2", digest('b')),
                       drift("e3", digest('c')), drift("e4", digest('d'))}));
  CHECK(r.counts == drift_counts{2, 2, 0});
  CHECK(f.metric("deltascan_drift_events_rate_limited_total", "limit",
                 "node") == 2);
  CHECK(f.metric("deltascan_drift_events_rate_limited_total", "limit",
                 "tenant") == 0);
  // One token per second comes back.
  f.advance(1s);
  CHECK(f.process(batch({drift("e5", digest('e')), drift("e6", digest('f'))}))
            .counts == drift_counts{1, 1, 0});
}

TEST_CASE("only drift events that may be submitted cost rate-limit tokens "
          "and pending places") {
  auto settings = core_fixture::default_settings();
  settings.per_node = bucket_limit{1, 2};
  settings.max_pending_events = 2;
  core_fixture f{settings};
  // Three events with a digest are over the pending bound: the batch is
  // refused before the limiter sees it.
  auto refused =
      f.await(f.post(batch({drift("e1", digest('a')), drift("e2", digest('b')),
                            drift("e3", digest('c'))},
                           "too-much")));
  REQUIRE(refused);
  REQUIRE(std::holds_alternative<caf::error>(*refused));
  CHECK(error_code(std::get<caf::error>(*refused)) == ec::overloaded);
  // So both tokens are left, and events without a digest take none.
  auto no_digest = R"({"event":{"eventId":"e0","kind":"drift","node":"n",)"
                   R"("workload":{"imageRef":"registry/app:1.2"}}})";
  auto held = f.post(batch({no_digest, no_digest, drift("e4", digest('d')),
                            drift("e5", digest('e'))},
                           "held"));
  f.run();
  REQUIRE(f.transport().calls().size() == 2);
  CHECK(f.metric("deltascan_drift_events_rate_limited_total", "limit",
                 "node") == 0);
  // The pending bound is reached now; once the batch is answered, a batch
  // whose events the limit skips holds no place either.
  CHECK_FALSE(f.core().admit());
  f.transport().complete_all(ok());
  auto r = f.await(held);
  REQUIRE(r);
  REQUIRE(std::holds_alternative<batch_result>(*r));
  CHECK(std::get<batch_result>(*r).counts == drift_counts{2, 2, 0});
  CHECK(f.process(batch({drift("e6", digest('f')), drift("e7", digest('g'))}))
            .counts == drift_counts{0, 2, 0});
  CHECK(f.metric("deltascan_drift_events_rate_limited_total", "limit",
                 "node") == 2);
  CHECK(f.core().admit());
}

TEST_CASE("a tenant's rate limit spans its nodes") {
  auto settings = core_fixture::default_settings();
  settings.per_tenant = bucket_limit{1, 1};
  core_fixture f{settings};
  f.transport().complete_at_once(ok());
  // Every event of the fixture is tenant "t"; a second batch is another
  // request, possibly through another ingress actor, and shares the bucket.
  CHECK(f.process(batch({drift("e1", digest('a'))})).counts ==
        drift_counts{1, 0, 0});
  CHECK(f.process(batch({drift("e2", digest('b'))})).counts ==
        drift_counts{0, 1, 0});
  CHECK(f.metric("deltascan_drift_events_rate_limited_total", "limit",
                 "tenant") == 1);
}
