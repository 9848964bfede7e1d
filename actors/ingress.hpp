// The ingress turns a posted batch into work for the dedup shards: it
// decodes the body, finds each drift event's image digest, sends every shard
// one message with its share of the batch, and adds the shards' answers up
// into the batch result. Several ingress actors run side by side, each with
// its own parser, so decoding scales with the cores.
#pragma once

#include "actors/interfaces.hpp"
#include "model/batch_decoder.hpp"
#include "model/drift_rate_limiter.hpp"
#include "model/runtime_options.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

namespace deltascan {

class core_metrics;

struct ingress_settings {
  decode_limits limits;
  /// How long a batch's reply may wait for its drift events' outcomes.
  caf::timespan batch_deadline{std::chrono::seconds{10}};
  /// Drift events the core may hold at once, over all ingress actors.
  std::size_t max_pending_events = 200'000;
};

/// What the ingress actors share: they split the batches between them, but
/// the bounds and rate limits are the daemon's, not one actor's.
struct ingress_shared {
  ingress_shared(bucket_limit per_node, bucket_limit per_tenant)
      : limiter{per_node, per_tenant} {
    // nop
  }

  /// Drift events of batches that are not answered yet.
  std::atomic<std::size_t> pending_events{0};
  drift_rate_limiter limiter;
};

using ingress_shared_ptr = std::shared_ptr<ingress_shared>;

struct ingress_state {
  static inline const char* name = "ingress";

  ingress_settings settings;
  batch_decoder decoder;
  ingress_shared_ptr shared;
  /// Cached: looking a logger up by name takes spdlog's registry lock.
  std::shared_ptr<spdlog::logger> log;
  std::vector<dedup_shard_actor> shards;
  live_runtime_options_ptr options;
  core_metrics* metrics = nullptr;
};

using ingress_stateful_actor = ingress_actor::stateful_pointer<ingress_state>;

/// Routes digests to `shards` (at least one); `metrics` may be null in tests.
ingress_actor::behavior_type
ingress(ingress_stateful_actor self, ingress_settings settings,
        std::vector<dedup_shard_actor> shards, live_runtime_options_ptr options,
        ingress_shared_ptr shared, core_metrics* metrics);

/// How much earlier than its batch's deadline a submission gives up, so that
/// its "skipped" reaches the batch before the batch's own deadline fires.
caf::timespan submission_deadline_margin(caf::timespan batch_deadline);

/// The index of the shard that owns `digest` among `shard_count` shards.
std::size_t shard_of(const std::string& digest, std::size_t shard_count);

} // namespace deltascan
