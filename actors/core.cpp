#include "actors/core.hpp"

#include "actors/core_metrics.hpp"
#include "actors/dedup_shard.hpp"
#include "actors/errors.hpp"
#include "actors/ingress.hpp"
#include "actors/scan_coordinator.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

namespace deltascan {

actor_core::actor_core(caf::actor_system& system, const core_settings& settings,
                       scanner_transport_ptr transport,
                       live_runtime_options_ptr options, core_metrics* metrics)
    : max_pending_events_{settings.max_pending_events}, metrics_{metrics} {
  auto count = std::max<std::size_t>(settings.shards, 1);
  scan_coordinator_settings coordinator_settings;
  coordinator_settings.max_in_flight = settings.max_in_flight;
  coordinator_settings.retry = settings.retry;
  coordinator_settings.breaker = settings.breaker;
  if (settings.jitter_seed)
    coordinator_settings.jitter_seed = *settings.jitter_seed;
  coordinator_ = system.spawn(scan_coordinator, std::move(transport),
                              coordinator_settings, metrics);
  shards_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    dedup_shard_settings shard_settings{i, settings.purge_interval};
    shards_.push_back(system.spawn(dedup_shard, shard_settings, coordinator_,
                                   options, metrics));
  }
  ingress_settings ingress_config{settings.limits, settings.batch_deadline,
                                  settings.max_pending_events};
  shared_ =
      std::make_shared<ingress_shared>(settings.per_node, settings.per_tenant);
  ingress_.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    ingress_.push_back(system.spawn(ingress, ingress_config, shards_, options,
                                    shared_, metrics));
}

const ingress_actor& actor_core::next_ingress() {
  auto i = next_.fetch_add(1, std::memory_order_relaxed);
  return ingress_[i % ingress_.size()];
}

void actor_core::post(std::string body, completion done) {
  auto on_result = [done = std::move(done)](caf::expected<batch_result> r) {
    if (r)
      done(batch_reply{std::move(*r), ec::no_error, {}});
    else
      done(batch_reply{std::nullopt, error_code(r.error()),
                       error_detail(r.error())});
  };
  caf::anon_send(next_ingress(), ingest_atom::value, std::move(body),
                 batch_callback{std::move(on_result)});
}

bool actor_core::admit() {
  if (shared_->pending_events.load(std::memory_order_relaxed) <
      max_pending_events_)
    return true;
  if (metrics_ != nullptr)
    metrics_->batches_overloaded.Increment();
  return false;
}

void actor_core::shutdown() {
  for (auto& actor : ingress_)
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  for (auto& actor : shards_)
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(coordinator_, caf::exit_reason::user_shutdown);
}

} // namespace deltascan
