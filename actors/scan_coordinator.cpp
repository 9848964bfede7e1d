#include "actors/scan_coordinator.hpp"

#include "actors/core_metrics.hpp"
#include "actors/logging.hpp"

#include <caf/send.hpp>

namespace deltascan {

namespace {

void update_gauges(scan_coordinator_stateful_actor self) {
  auto& st = self->state;
  if (st.metrics == nullptr)
    return;
  st.metrics->submissions_in_flight.Set(
      static_cast<double>(st.in_flight.size()));
  st.metrics->submissions_queued.Set(static_cast<double>(st.queue.size()));
}

void start_submission(scan_coordinator_stateful_actor self,
                      const scan_submission& submission,
                      caf::typed_response_promise<scan_outcome> promise) {
  auto& st = self->state;
  auto id = st.next_id++;
  st.in_flight.emplace(id, std::move(promise));
  // The transport completes on one of its own threads. Delivering the
  // promise there would race with this actor, so the completion only posts
  // a message; anon_send is safe from any thread.
  auto handle = caf::actor_cast<scan_coordinator_actor>(self);
  st.transport->submit(submission, [handle, id](scan_outcome outcome) {
    caf::anon_send(handle, done_atom::value, id, std::move(outcome));
  });
}

} // namespace

scan_coordinator_actor::behavior_type
scan_coordinator(scan_coordinator_stateful_actor self,
                 scanner_transport_ptr transport, std::size_t max_in_flight,
                 core_metrics* metrics) {
  auto& st = self->state;
  st.transport = std::move(transport);
  st.log = component_logger("scanner");
  st.max_in_flight = std::max<std::size_t>(max_in_flight, 1);
  st.metrics = metrics;
  return {
      // -- submissions from the dedup shards
      // ---------------------------------------
      [=](submit_atom,
          scan_submission& submission) -> caf::result<scan_outcome> {
        auto& st = self->state;
        auto promise = self->make_response_promise<scan_outcome>();
        if (st.in_flight.size() < st.max_in_flight) {
          start_submission(self, submission, promise);
        } else {
          self->state.log->debug(
              "scanner queued submission {} behind {} in flight",
              submission.client_request_id, st.in_flight.size());
          st.queue.push_back({std::move(submission), promise});
        }
        update_gauges(self);
        return promise;
      },
      // -- completions from the transport
      // ------------------------------------------
      [=](done_atom, std::uint64_t id, scan_outcome& outcome) {
        auto& st = self->state;
        auto i = st.in_flight.find(id);
        if (i == st.in_flight.end()) {
          self->state.log->warn(
              "scanner ignored a second completion for submission {}", id);
          return;
        }
        i->second.deliver(std::move(outcome));
        st.in_flight.erase(i);
        while (!st.queue.empty() && st.in_flight.size() < st.max_in_flight) {
          auto next = std::move(st.queue.front());
          st.queue.pop_front();
          start_submission(self, next.submission, std::move(next.promise));
        }
        update_gauges(self);
      },
  };
}

} // namespace deltascan
