#include "actors/ingress.hpp"

#include "actors/core_metrics.hpp"
#include "actors/errors.hpp"
#include "actors/logging.hpp"
#include "model/image_digest.hpp"

#include <functional>
#include <memory>

namespace deltascan {

namespace {

using clock_type = caf::actor_clock;

using batch_completion = std::function<void(caf::expected<batch_result>)>;

// The batch being answered while its shards work on their shares.
struct batch_in_progress {
  batch_completion done;
  batch_result result;
  std::size_t shards_pending = 0;
  clock_type::time_point started;
};

// Records the finished batch in the metrics and logs its summary once.
void finish(ingress_stateful_actor self, batch_in_progress& batch) {
  const auto& result = batch.result;
  auto elapsed = std::chrono::duration<double, std::milli>(self->clock().now() -
                                                           batch.started);
  if (auto* m = self->state.metrics) {
    m->scans_triggered.Increment(static_cast<double>(result.counts.triggered));
    m->scans_skipped.Increment(static_cast<double>(result.counts.skipped));
    m->scans_deduped.Increment(static_cast<double>(result.counts.deduped));
    m->batch_latency_ms.Observe(elapsed.count());
    m->batches_processed.Increment();
    m->events_received.Increment(static_cast<double>(result.events_received));
    m->drift_events.Increment(
        static_cast<double>(result.drift_events_detected));
  }
  self->state.log->info(
      "ingress processed batch {}: {} events, {} drift, {} triggered, "
      "{} skipped, {} deduped in {:.1f} ms",
      result.batch_id.value_or("(no id)"), result.events_received,
      result.drift_events_detected, result.counts.triggered,
      result.counts.skipped, result.counts.deduped, elapsed.count());
  batch.done(std::move(batch.result));
}

// Decodes one batch, hands its drift events to their shards and calls
// `done` once all of them are resolved, or at once with a decode error.
void process(ingress_stateful_actor self, std::string& body,
             batch_completion done) {
  auto& st = self->state;
  auto& log = st.log;
  auto started = self->clock().now();
  runtime_batch batch;
  if (auto err = st.decoder.decode(body, batch)) {
    log->warn("ingress rejected a batch: {}", err.to_string());
    if (st.metrics != nullptr)
      st.metrics->batches_rejected.Increment();
    done(make_error(err));
    return;
  }
  // One snapshot of the options for the whole batch, so a reload in the
  // middle of it cannot treat half the batch one way and half another.
  auto opts = st.options->load();
  auto progress = std::make_shared<batch_in_progress>();
  progress->done = std::move(done);
  progress->started = started;
  auto& result = progress->result;
  result.batch_id = std::move(batch.batch_id);
  result.events_received = batch.events_received;
  result.drift_events_detected = batch.drift_events.size();
  if (!opts.auto_scan_enabled) {
    if (!batch.drift_events.empty())
      log->debug("ingress skipped {} drift events of batch {}: "
                 "auto-scan is disabled",
                 batch.drift_events.size(),
                 result.batch_id.value_or("(no id)"));
    result.counts.skipped = batch.drift_events.size();
    finish(self, *progress);
    return;
  }
  std::vector<dedup_request> requests(st.shards.size());
  for (auto& event : batch.drift_events) {
    auto digest = image_digest(event);
    if (!digest) {
      log->warn("ingress skipped drift event {}: no image digest in "
                "baseline or image reference",
                event.event_id);
      ++result.counts.skipped;
      continue;
    }
    auto& request = requests[shard_of(*digest, st.shards.size())];
    request.events.push_back({std::move(event), std::move(*digest)});
  }
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto& request = requests[i];
    if (request.events.empty())
      continue;
    request.cooldown = opts.auto_scan_cooldown;
    auto share = request.events.size();
    ++progress->shards_pending;
    self->request(st.shards[i], caf::infinite, dedup_atom::value,
                  std::move(request))
        .then(
            [self, progress](drift_counts counts) {
              progress->result.counts += counts;
              if (--progress->shards_pending == 0)
                finish(self, *progress);
            },
            [self, progress, share, i](caf::error& err) {
              // The shard is gone; its events cannot have been submitted
              // by it, so they are reported as skipped rather than lost.
              self->state.log->error(
                  "ingress lost dedup shard {} with {} drift events: {}", i,
                  share, caf::to_string(err));
              progress->result.counts.skipped += share;
              if (--progress->shards_pending == 0)
                finish(self, *progress);
            });
  }
  if (progress->shards_pending == 0)
    finish(self, *progress);
}

} // namespace

std::size_t shard_of(const std::string& digest, std::size_t shard_count) {
  // std::hash is stable within a process, which is all a shard choice needs:
  // the cooldown state lives in memory and dies with the process.
  return std::hash<std::string>{}(digest) % shard_count;
}

ingress_actor::behavior_type ingress(ingress_stateful_actor self,
                                     decode_limits limits,
                                     std::vector<dedup_shard_actor> shards,
                                     live_runtime_options_ptr options,
                                     core_metrics* metrics) {
  auto& st = self->state;
  st.decoder = batch_decoder{limits};
  st.log = component_logger("ingress");
  st.shards = std::move(shards);
  st.options = std::move(options);
  st.metrics = metrics;
  return {
      [=](ingest_atom, std::string& body) -> caf::result<batch_result> {
        auto promise = self->make_response_promise<batch_result>();
        process(self, body, [promise](caf::expected<batch_result> r) mutable {
          if (r)
            promise.deliver(std::move(*r));
          else
            promise.deliver(std::move(r.error()));
        });
        return promise;
      },
      [=](ingest_atom, std::string& body, batch_callback& callback) {
        process(self, body, std::move(callback.on_result));
      },
  };
}

} // namespace deltascan
