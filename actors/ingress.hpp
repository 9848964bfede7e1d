// The ingress turns a posted batch into work for the dedup shards: it
// decodes the body, finds each drift event's image digest, sends every shard
// one message with its share of the batch, and adds the shards' answers up
// into the batch result. Several ingress actors run side by side, each with
// its own parser, so decoding scales with the cores.
#pragma once

#include "actors/interfaces.hpp"
#include "model/batch_decoder.hpp"
#include "model/runtime_options.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/logger.h>

#include <memory>
#include <vector>

namespace deltascan {

class core_metrics;

struct ingress_state {
  static inline const char* name = "ingress";

  batch_decoder decoder;
  /// Cached: looking a logger up by name takes spdlog's registry lock.
  std::shared_ptr<spdlog::logger> log;
  std::vector<dedup_shard_actor> shards;
  live_runtime_options_ptr options;
  core_metrics* metrics = nullptr;
};

using ingress_stateful_actor = ingress_actor::stateful_pointer<ingress_state>;

/// Routes digests to `shards` (at least one); `metrics` may be null in tests.
ingress_actor::behavior_type ingress(ingress_stateful_actor self,
                                     decode_limits limits,
                                     std::vector<dedup_shard_actor> shards,
                                     live_runtime_options_ptr options,
                                     core_metrics* metrics);

/// The index of the shard that owns `digest` among `shard_count` shards.
std::size_t shard_of(const std::string& digest, std::size_t shard_count);

} // namespace deltascan
