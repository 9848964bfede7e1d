// Spawns and wires the actor core of deltascand: the coordinator client, the
// dedup shards and the ingress actors, and spreads batches over the ingress
// actors so that decoding runs on every core.
#pragma once

#include "actors/batch_gateway.hpp"
#include "actors/interfaces.hpp"
#include "actors/scanner_transport.hpp"
#include "model/batch_decoder.hpp"
#include "model/circuit_breaker.hpp"
#include "model/drift_rate_limiter.hpp"
#include "model/retry_policy.hpp"
#include "model/runtime_options.hpp"

#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace deltascan {

class core_metrics;
struct ingress_shared;

struct core_settings {
  /// Dedup shards and ingress actors; each at least one.
  std::size_t shards = 1;
  decode_limits limits;
  std::chrono::seconds purge_interval{60};
  /// Submission attempts at the scanner at once.
  std::size_t max_in_flight = 64;
  retry_policy retry;
  breaker_policy breaker;
  /// Fixes the retry jitter (tests); a random seed when empty.
  std::optional<std::uint64_t> jitter_seed;
  /// How long a batch's reply may wait for its scan submissions.
  caf::timespan batch_deadline{std::chrono::seconds{10}};
  /// Drift events held by the core at once; batches beyond are refused.
  std::size_t max_pending_events = 200'000;
  /// Drift events per node and per tenant (off by default).
  bucket_limit per_node;
  bucket_limit per_tenant;
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

  /// False while the pending drift events are at `max_pending_events`.
  bool admit() override;

  /// Sends every actor of the core an exit message.
  void shutdown();

private:
  scan_coordinator_actor coordinator_;
  std::vector<dedup_shard_actor> shards_;
  std::vector<ingress_actor> ingress_;
  std::shared_ptr<ingress_shared> shared_;
  std::size_t max_pending_events_;
  core_metrics* metrics_;
  std::atomic<std::size_t> next_{0};
};

} // namespace deltascan
