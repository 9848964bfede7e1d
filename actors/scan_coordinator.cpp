#include "actors/scan_coordinator.hpp"

#include "actors/core_metrics.hpp"
#include "actors/logging.hpp"

#include <caf/send.hpp>

#include <chrono>

namespace deltascan {

namespace {

using state_type = scan_coordinator_state;
using time_point = state_type::time_point;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

milliseconds millis_between(time_point from, time_point to) {
  return to > from ? duration_cast<milliseconds>(to - from) : milliseconds{0};
}

void update_gauges(scan_coordinator_stateful_actor self) {
  auto& st = self->state;
  if (st.metrics == nullptr)
    return;
  st.metrics->submissions_in_flight.Set(
      static_cast<double>(st.attempts.size()));
  st.metrics->submissions_queued.Set(static_cast<double>(st.ready.size()));
}

void note_breaker_change(scan_coordinator_stateful_actor self,
                         std::optional<breaker_state> changed,
                         const scan_outcome* cause) {
  if (!changed)
    return;
  auto& st = self->state;
  if (st.metrics != nullptr)
    st.metrics->record_breaker_state(*changed);
  switch (*changed) {
  case breaker_state::open:
    // One line per state change: while open, the submissions failing fast
    // are only counted, or a dead scanner would flood the log.
    st.log->error("scanner circuit breaker opened ({}); submissions fail "
                  "fast for {} ms",
                  cause != nullptr ? cause->reason : std::string{"unknown"},
                  st.settings.breaker.open_duration.count());
    self->delayed_send(self, st.settings.breaker.open_duration,
                       breaker_atom::value);
    break;
  case breaker_state::half_open:
    st.log->warn("scanner circuit breaker half-open: the next submission "
                 "probes the scanner");
    break;
  case breaker_state::closed:
    st.log->warn("scanner circuit breaker closed: the scanner answers again");
    break;
  }
}

// Counts a submission's final outcome, `took` after it arrived.
void count_final(state_type& st, time_point::duration took,
                 const scan_outcome& outcome) {
  if (st.metrics == nullptr)
    return;
  st.metrics->submission_seconds.Observe(
      std::chrono::duration<double>{took}.count());
  if (!outcome.accepted)
    st.metrics->count_failure(outcome.kind);
}

// Answers a submission for good and forgets it.
void resolve(scan_coordinator_stateful_actor self, std::uint64_t id,
             scan_outcome outcome) {
  auto& st = self->state;
  auto i = st.submissions.find(id);
  if (i == st.submissions.end())
    return;
  auto& entry = i->second;
  count_final(st, self->clock().now() - entry.arrived, outcome);
  st.deadlines.erase(entry.deadline_pos);
  entry.promise.deliver(std::move(outcome));
  st.submissions.erase(i);
}

void arm_deadline_timer(scan_coordinator_stateful_actor self) {
  auto& st = self->state;
  if (st.deadlines.empty())
    return;
  auto earliest = st.deadlines.begin()->first;
  if (st.deadline_timer && *st.deadline_timer <= earliest)
    return;
  st.deadline_timer = earliest;
  auto now = self->clock().now();
  auto wait = earliest > now ? earliest - now : time_point::duration{0};
  self->delayed_send(self, wait, deadline_atom::value);
}

void start_attempt(scan_coordinator_stateful_actor self, std::uint64_t id,
                   state_type::submission_entry& entry) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (!entry.first_attempt)
    entry.first_attempt = now;
  ++entry.attempts;
  auto attempt = st.next_id++;
  st.attempts.emplace(attempt,
                      state_type::attempt_entry{id, st.breaker.generation()});
  entry.attempt_out = attempt;
  if (entry.attempts > 1)
    st.log->info("scanner retries submission {} (attempt {} of {})",
                 entry.request.submission.client_request_id, entry.attempts,
                 st.settings.retry.max_attempts);
  // The transport completes on one of its own threads. Delivering the
  // promise there would race with this actor, so the completion only posts
  // a message; anon_send is safe from any thread.
  auto handle = caf::actor_cast<scan_coordinator_actor>(self);
  st.transport->submit(
      entry.request.submission, [handle, attempt](scan_outcome outcome) {
        caf::anon_send(handle, done_atom::value, attempt, std::move(outcome));
      });
}

// Starts attempts for waiting submissions while slots are free. With the
// breaker open, waiting submissions fail at once instead of queueing behind
// a scanner that is down.
void pump(scan_coordinator_stateful_actor self) {
  auto& st = self->state;
  while (!st.ready.empty() && st.attempts.size() < st.settings.max_in_flight) {
    auto id = st.ready.front();
    st.ready.pop_front();
    auto i = st.submissions.find(id);
    if (i == st.submissions.end())
      continue;
    auto now = self->clock().now();
    note_breaker_change(self, st.breaker.poll(now), nullptr);
    if (!st.breaker.allow(now)) {
      resolve(self, id,
              scan_outcome::failure("scanner circuit breaker is open",
                                    failure_kind::breaker_open));
      continue;
    }
    start_attempt(self, id, i->second);
  }
  update_gauges(self);
}

// Tells the breaker how the endpoint answered, if the attempt started in
// the breaker's present state.
void record_for_breaker(scan_coordinator_stateful_actor self,
                        const state_type::attempt_entry& attempt,
                        const scan_outcome& outcome, time_point now) {
  auto& st = self->state;
  // An attempt from before the breaker opened or half-opened says nothing
  // about the probe: only the probe may close or reopen it. A transport
  // that shuts down says nothing about the scanner at all.
  if (attempt.breaker_generation != st.breaker.generation() ||
      outcome.kind == failure_kind::shutdown)
    return;
  if (counts_against_endpoint(outcome.kind))
    note_breaker_change(self, st.breaker.record_failure(now), &outcome);
  else
    note_breaker_change(self, st.breaker.record_success(), &outcome);
}

// An abandoned attempt completed: the submissions that waited for it take
// its success as theirs (the scanner has the scan), or their turn at the
// scanner after a failure.
void release_waiting(scan_coordinator_stateful_actor self,
                     std::uint64_t attempt, const scan_outcome& outcome) {
  auto& st = self->state;
  auto node = st.abandoned.extract(attempt);
  if (node.empty())
    return;
  auto& abandoned = node.mapped();
  st.abandoned_by_digest.erase(abandoned.image_digest);
  for (auto id : abandoned.waiting) {
    if (st.submissions.count(id) == 0)
      continue;
    if (outcome.accepted) {
      st.log->debug("scanner answers a waiting submission for {} with the "
                    "late success of an earlier one (scan {})",
                    abandoned.image_digest, outcome.scan_id);
      resolve(self, id, outcome);
    } else {
      st.ready.push_back(id);
    }
  }
}

void on_attempt_done(scan_coordinator_stateful_actor self,
                     std::uint64_t attempt, scan_outcome& outcome) {
  auto& st = self->state;
  auto a = st.attempts.find(attempt);
  if (a == st.attempts.end()) {
    st.log->warn("scanner ignored a second completion for attempt {}", attempt);
    return;
  }
  auto done = a->second;
  st.attempts.erase(a);
  auto now = self->clock().now();
  record_for_breaker(self, done, outcome, now);
  auto i = st.submissions.find(done.submission);
  if (i == st.submissions.end() || i->second.attempt_out != attempt) {
    // Resolved at its deadline while this attempt was out; the slot is
    // free now, and the late outcome only fed the breaker and the
    // submissions that waited for it.
    release_waiting(self, attempt, outcome);
    pump(self);
    return;
  }
  auto id = done.submission;
  auto& entry = i->second;
  entry.attempt_out.reset();
  if (outcome.accepted) {
    resolve(self, id, std::move(outcome));
    pump(self);
    return;
  }
  auto decision =
      decide_retry(st.settings.retry, outcome, entry.attempts,
                   millis_between(*entry.first_attempt, now),
                   millis_between(now, entry.request.deadline),
                   std::uniform_real_distribution<double>{0.0, 1.0}(st.jitter));
  if (decision.retry && st.breaker.state() != breaker_state::open) {
    if (st.metrics != nullptr)
      st.metrics->count_retry(outcome.kind);
    st.log->debug("scanner backs off {} ms before retrying submission {}: {}",
                  decision.delay.count(),
                  entry.request.submission.client_request_id, outcome.reason);
    self->delayed_send(self, decision.delay, retry_atom::value, id);
  } else {
    if (!decision.why_not.empty())
      outcome.reason += "; " + decision.why_not;
    if (decision.retry)
      outcome.reason += "; not retried: the circuit breaker opened";
    resolve(self, id, std::move(outcome));
  }
  pump(self);
}

void expire_deadlines(scan_coordinator_stateful_actor self) {
  auto& st = self->state;
  st.deadline_timer.reset();
  auto now = self->clock().now();
  while (!st.deadlines.empty() && st.deadlines.begin()->first <= now) {
    auto id = st.deadlines.begin()->second;
    auto i = st.submissions.find(id);
    auto attempts = i != st.submissions.end() ? i->second.attempts : 0;
    if (i != st.submissions.end() && i->second.attempt_out) {
      // The scanner may still act on the attempt: remember it, so that no
      // second submission for the image starts while it is out.
      const auto& digest = i->second.request.submission.image_digest;
      st.abandoned.insert_or_assign(*i->second.attempt_out,
                                    state_type::abandoned_attempt{digest, {}});
      st.abandoned_by_digest.insert_or_assign(digest, *i->second.attempt_out);
    }
    resolve(
        self, id,
        scan_outcome::failure("no outcome by the batch deadline after " +
                                  std::to_string(attempts) +
                                  (attempts == 1 ? " attempt" : " attempts"),
                              failure_kind::deadline));
  }
  arm_deadline_timer(self);
  update_gauges(self);
}

} // namespace

scan_coordinator_actor::behavior_type
scan_coordinator(scan_coordinator_stateful_actor self,
                 scanner_transport_ptr transport,
                 scan_coordinator_settings settings, core_metrics* metrics) {
  auto& st = self->state;
  settings.max_in_flight = std::max<std::size_t>(settings.max_in_flight, 1);
  settings.retry.max_attempts =
      std::max<std::size_t>(settings.retry.max_attempts, 1);
  st.settings = settings;
  st.transport = std::move(transport);
  st.log = component_logger("scanner");
  st.metrics = metrics;
  st.breaker = circuit_breaker{settings.breaker};
  st.jitter.seed(settings.jitter_seed);
  return {
      // Submissions from the dedup shards.
      [=](submit_atom, scan_request& request) -> caf::result<scan_outcome> {
        auto& st = self->state;
        auto now = self->clock().now();
        if (request.deadline <= now) {
          auto late = scan_outcome::failure("the batch deadline passed "
                                            "before the submission could "
                                            "start",
                                            failure_kind::deadline);
          count_final(st, time_point::duration{0}, late);
          return late;
        }
        auto promise = self->make_response_promise<scan_outcome>();
        auto id = st.next_id++;
        auto deadline = request.deadline;
        auto [i, added] = st.submissions.emplace(
            id, state_type::submission_entry{.request = std::move(request),
                                             .promise = promise,
                                             .arrived = now});
        i->second.deadline_pos = st.deadlines.emplace(deadline, id);
        arm_deadline_timer(self);
        if (st.attempts.size() >= st.settings.max_in_flight)
          st.log->debug("scanner queued submission {} behind {} in flight",
                        i->second.request.submission.client_request_id,
                        st.attempts.size());
        auto earlier = st.abandoned_by_digest.find(
            i->second.request.submission.image_digest);
        if (earlier != st.abandoned_by_digest.end()) {
          st.log->debug("scanner holds submission {} until an abandoned "
                        "attempt for {} completes",
                        i->second.request.submission.client_request_id,
                        earlier->first);
          st.abandoned[earlier->second].waiting.push_back(id);
          return promise;
        }
        st.ready.push_back(id);
        pump(self);
        return promise;
      },
      // Completions from the transport.
      [=](done_atom, std::uint64_t attempt, scan_outcome& outcome) {
        on_attempt_done(self, attempt, outcome);
      },
      // Timers.
      [=](retry_atom, std::uint64_t id) {
        // A retry waited its turn already: it goes ahead of new work.
        if (self->state.submissions.count(id) > 0) {
          self->state.ready.push_front(id);
          pump(self);
        }
      },
      [=](deadline_atom) { expire_deadlines(self); },
      [=](breaker_atom) {
        auto& st = self->state;
        note_breaker_change(self, st.breaker.poll(self->clock().now()),
                            nullptr);
      },
  };
}

} // namespace deltascan
