// Spawns and wires the actor core of deltascand: the coordinator client, the
// dedup shards and the ingress actors, and spreads batches over the ingress
// actors so that decoding runs on every core.
#pragma once

#include "actors/batch_gateway.hpp"
#include "actors/interfaces.hpp"
#include "actors/scanner_transport.hpp"
#include "model/batch_decoder.hpp"
#include "model/runtime_options.hpp"

#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <vector>

namespace deltascan {

class core_metrics;

struct core_settings {
  /// Dedup shards and ingress actors; each at least one.
  std::size_t shards = 1;
  decode_limits limits;
  std::chrono::seconds purge_interval{60};
  std::size_t max_in_flight = 64;
  /// How long a shard waits for a submission's outcome; above the
  /// transport's timeout.
  caf::timespan submission_timeout{std::chrono::seconds{30}};
};

/// The handles of a running core. Batches enter through `next_ingress`.
class actor_core : public batch_gateway {
public:
  actor_core(caf::actor_system& system, const core_settings& settings,
             scanner_transport_ptr transport, live_runtime_options_ptr options,
             core_metrics* metrics);

  /// An ingress actor for the next batch, round robin; thread-safe.
  const ingress_actor& next_ingress();

  /// Posts a batch to the next ingress actor; thread-safe.
  void post(std::string body, completion done) override;

  /// Sends every actor of the core an exit message.
  void shutdown();

private:
  scan_coordinator_actor coordinator_;
  std::vector<dedup_shard_actor> shards_;
  std::vector<ingress_actor> ingress_;
  std::atomic<std::size_t> next_{0};
};

} // namespace deltascan
