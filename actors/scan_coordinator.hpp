// The coordinator client: the one place scan submissions leave the actor
// core. It bounds how many are in flight at the scanner, queues the rest in
// arrival order, and turns transport completions (which arrive on foreign
// threads) back into actor messages.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/scanner_transport.hpp"

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/logger.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

namespace deltascan {

class core_metrics;

struct scan_coordinator_state {
  static inline const char* name = "scan-coordinator";

  struct queued_submission {
    scan_submission submission;
    caf::typed_response_promise<scan_outcome> promise;
  };

  scanner_transport_ptr transport;
  /// Cached: looking a logger up by name takes spdlog's registry lock.
  std::shared_ptr<spdlog::logger> log;
  core_metrics* metrics = nullptr;
  std::size_t max_in_flight = 1;
  std::uint64_t next_id = 1;
  /// Submissions at the transport, by the id their completion names.
  std::unordered_map<std::uint64_t, caf::typed_response_promise<scan_outcome>>
      in_flight;
  /// Submissions waiting for a free slot, oldest first.
  std::deque<queued_submission> queue;
};

using scan_coordinator_stateful_actor =
    scan_coordinator_actor::stateful_pointer<scan_coordinator_state>;

/// Spawn with `max_in_flight` >= 1; `metrics` may be null in tests.
scan_coordinator_actor::behavior_type
scan_coordinator(scan_coordinator_stateful_actor self,
                 scanner_transport_ptr transport, std::size_t max_in_flight,
                 core_metrics* metrics);

} // namespace deltascan
