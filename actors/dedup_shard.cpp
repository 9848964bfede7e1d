#include "actors/dedup_shard.hpp"

#include "actors/core_metrics.hpp"
#include "actors/logging.hpp"
#include "model/scan_submission.hpp"

namespace deltascan {

namespace {

using state_type = dedup_shard_state;

void update_gauge(dedup_shard_stateful_actor self) {
  auto& st = self->state;
  if (st.metrics != nullptr &&
      st.settings.index < st.metrics->tracked_digests.size())
    st.metrics->tracked_digests[st.settings.index]->Set(
        static_cast<double>(st.last_triggered.size()));
}

// Counts one event of a batch part as resolved and answers the part once
// its last event is.
void resolve(dedup_shard_stateful_actor self, std::uint64_t part_id,
             drift_counts outcome) {
  auto& parts = self->state.parts;
  auto i = parts.find(part_id);
  if (i == parts.end())
    return;
  auto& part = i->second;
  part.counts += outcome;
  if (--part.unresolved == 0) {
    part.promise.deliver(part.counts);
    parts.erase(i);
  }
}

void decide(dedup_shard_stateful_actor self, state_type::pending_event event,
            const std::string& digest);

// Called when the submission for `digest` finished: records a success, then
// lets the events that waited for it take their turn, in arrival order.
void on_outcome(dedup_shard_stateful_actor self, const std::string& digest,
                const scan_outcome& outcome) {
  auto& st = self->state;
  auto& log = st.log;
  // Taken out of the table first: a waiting event may submit for the same
  // digest again, and `digest` may be this entry's own key.
  auto entry = st.in_flight.extract(digest);
  if (entry.empty())
    return;
  const auto& key = entry.key();
  auto& flight = entry.mapped();
  const auto& submitter = flight.submitter;
  if (outcome.accepted) {
    st.last_triggered.record(key, flight.started);
    log->info("dedup triggered scan {} for drift event {} on {} (created: {})",
              outcome.scan_id, submitter.event.event_id, key, outcome.created);
    resolve(self, submitter.part, drift_counts{1, 0, 0});
  } else {
    // A failure is not remembered: the next drift of this image tries again.
    // While the breaker is open every submission fails the same way, and
    // the coordinator logs that once, so each one is only a debug line.
    if (outcome.kind == failure_kind::breaker_open)
      log->debug("dedup skipped drift event {} on {}: {}",
                 submitter.event.event_id, key, outcome.reason);
    else
      log->error("dedup failed to submit scan for drift event {} on {}: {}",
                 submitter.event.event_id, key, outcome.reason);
    resolve(self, submitter.part, drift_counts{0, 1, 0});
  }
  for (auto& event : flight.waiting)
    decide(self, std::move(event), key);
  update_gauge(self);
}

void submit(dedup_shard_stateful_actor self, state_type::pending_event event,
            const std::string& digest) {
  auto& st = self->state;
  auto deadline = event.deadline;
  auto [i, added] = st.in_flight.emplace(
      digest,
      state_type::in_flight_digest{std::move(event), self->clock().now(), {}});
  const std::string* key = &i->first;
  scan_request request{make_scan_submission(i->second.submitter.event, *key),
                       deadline};
  // No request timeout: the coordinator answers by the deadline at the
  // latest, and one timer there serves every submission instead of one
  // timer per submission here.
  self->request(st.coordinator, caf::infinite, submit_atom::value,
                std::move(request))
      .then([self,
             key](scan_outcome& outcome) { on_outcome(self, *key, outcome); },
            [self, key](caf::error& err) {
              // Only when the coordinator is gone, e.g. at shutdown.
              on_outcome(self, *key,
                         scan_outcome::failure(caf::to_string(err),
                                               failure_kind::shutdown));
            });
}

// Applies the cooldown rule to one event, as if the events of this digest
// were handled one after another.
void decide(dedup_shard_stateful_actor self, state_type::pending_event event,
            const std::string& digest) {
  auto& st = self->state;
  if (auto i = st.in_flight.find(digest); i != st.in_flight.end()) {
    i->second.waiting.push_back(std::move(event));
    return;
  }
  if (event.cooldown.count() > 0) {
    auto last = st.last_triggered.last_triggered(digest);
    if (last && self->clock().now() - *last < event.cooldown) {
      st.log->debug("dedup suppressed drift event {} on {}: scanned within {}s",
                    event.event.event_id, digest, event.cooldown.count());
      resolve(self, event.part, drift_counts{0, 0, 1});
      return;
    }
  }
  submit(self, std::move(event), digest);
}

void purge(dedup_shard_stateful_actor self) {
  auto& st = self->state;
  auto horizon = 2 * st.options->load().auto_scan_cooldown;
  auto now = self->clock().now();
  auto purged = st.last_triggered.purge(now, horizon);
  if (purged > 0)
    st.log->debug("dedup shard {} purged {} expired digests, {} remain",
                  st.settings.index, purged, st.last_triggered.size());
  update_gauge(self);
}

} // namespace

dedup_shard_actor::behavior_type dedup_shard(dedup_shard_stateful_actor self,
                                             dedup_shard_settings settings,
                                             scan_coordinator_actor coordinator,
                                             live_runtime_options_ptr options,
                                             core_metrics* metrics) {
  auto& st = self->state;
  st.settings = settings;
  st.log = component_logger("dedup");
  st.coordinator = std::move(coordinator);
  st.options = std::move(options);
  st.metrics = metrics;
  self->delayed_send(self, st.settings.purge_interval, purge_atom::value);
  return {
      // One batch's drift events.
      [=](dedup_atom, dedup_request& request) -> caf::result<drift_counts> {
        auto& st = self->state;
        if (request.events.empty())
          return drift_counts{};
        auto part_id = st.next_part++;
        auto promise = self->make_response_promise<drift_counts>();
        st.parts.emplace(part_id, state_type::batch_part{
                                      promise, {}, request.events.size()});
        for (auto& routed : request.events)
          decide(self,
                 state_type::pending_event{part_id, std::move(routed.event),
                                           request.cooldown, request.deadline},
                 routed.image_digest);
        update_gauge(self);
        return promise;
      },
      // Housekeeping.
      [=](purge_atom) {
        purge(self);
        self->delayed_send(self, self->state.settings.purge_interval,
                           purge_atom::value);
      },
  };
}

} // namespace deltascan
