// A dedup shard owns the cooldown state of the image digests hashed to it.
// Because one actor owns a digest, every drift event for that image is
// decided in order, across concurrent batches: while a submission for a
// digest is in flight, later events for it wait for its outcome instead of
// racing it, so two batches with the same new image cause exactly one scan.
#pragma once

#include "actors/interfaces.hpp"
#include "model/cooldown_table.hpp"
#include "model/runtime_options.hpp"

#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace deltascan {

class core_metrics;

struct dedup_shard_settings {
  /// This shard's position among its siblings, for logs and metrics.
  std::size_t index = 0;
  /// How often expired cooldown entries are dropped.
  std::chrono::seconds purge_interval{60};
};

struct dedup_shard_state {
  static inline const char* name = "dedup-shard";

  using time_point = caf::actor_clock::time_point;

  /// One drift event that is not resolved yet.
  struct pending_event {
    /// The batch part the event belongs to.
    std::uint64_t part;
    drift_event event;
    std::chrono::seconds cooldown;
    /// Its batch's deadline; a submission for it gives up then.
    time_point deadline;
  };

  /// One batch's share of events, answered once all of them are resolved.
  struct batch_part {
    caf::typed_response_promise<drift_counts> promise;
    drift_counts counts;
    std::size_t unresolved = 0;
  };

  dedup_shard_settings settings;
  /// Cached: looking a logger up by name takes spdlog's registry lock.
  std::shared_ptr<spdlog::logger> log;
  scan_coordinator_actor coordinator;
  live_runtime_options_ptr options;
  core_metrics* metrics = nullptr;
  /// When each digest last had a scan triggered. Entries expire after twice
  /// the cooldown, which bounds memory by the digests seen in that window.
  cooldown_table last_triggered;
  /// A digest with a submission in flight.
  struct in_flight_digest {
    /// The event whose submission is in flight.
    pending_event submitter;
    time_point started;
    /// Events that arrived for the digest meanwhile, in arrival order.
    std::vector<pending_event> waiting;
  };

  /// Digests with a submission in flight. The outcome handlers refer to an
  /// entry's key by address: an unordered_map never moves its nodes, and an
  /// entry stays until its outcome arrives.
  std::unordered_map<std::string, in_flight_digest> in_flight;
  std::unordered_map<std::uint64_t, batch_part> parts;
  std::uint64_t next_part = 1;
};

using dedup_shard_stateful_actor =
    dedup_shard_actor::stateful_pointer<dedup_shard_state>;

/// Spawns with the coordinator it submits to and the live options it reads
/// the purge horizon from; `metrics` may be null in tests.
dedup_shard_actor::behavior_type dedup_shard(dedup_shard_stateful_actor self,
                                             dedup_shard_settings settings,
                                             scan_coordinator_actor coordinator,
                                             live_runtime_options_ptr options,
                                             core_metrics* metrics);

} // namespace deltascan
