#include "actors/ingress.hpp"

#include "actors/core_metrics.hpp"
#include "actors/errors.hpp"
#include "actors/logging.hpp"
#include "model/image_digest.hpp"

#include <caf/sec.hpp>

#include <algorithm>
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
  /// Drift events this batch counts against the shared pending bound.
  std::size_t events_held = 0;
};

// Records the finished batch in the metrics and logs its summary once.
void finish(ingress_stateful_actor self, batch_in_progress& batch) {
  if (batch.events_held > 0)
    self->state.shared->pending_events.fetch_sub(batch.events_held,
                                                 std::memory_order_relaxed);
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
  // Events without a digest go first: they cost neither a rate-limit token
  // nor a place under the pending bound.
  auto& events = batch.drift_events;
  std::vector<std::string> digests;
  digests.reserve(events.size());
  std::size_t kept = 0;
  for (std::size_t e = 0; e < events.size(); ++e) {
    auto digest = image_digest(events[e]);
    if (!digest) {
      log->warn("ingress skipped drift event {}: no image digest in "
                "baseline or image reference",
                events[e].event_id);
      ++result.counts.skipped;
      continue;
    }
    if (kept != e)
      events[kept] = std::move(events[e]);
    ++kept;
    digests.push_back(std::move(*digest));
  }
  events.resize(kept);
  // The bound is checked after decoding, when the batch's real cost is
  // known (the HTTP server bounds the batches being read before that), and
  // before the rate limits, so that a refused batch spends no tokens. The
  // events a limit then skips give their places back at once.
  auto& pending = st.shared->pending_events;
  auto before = pending.fetch_add(kept, std::memory_order_relaxed);
  if (kept > 0 && before + kept > st.settings.max_pending_events) {
    pending.fetch_sub(kept, std::memory_order_relaxed);
    log->warn("ingress refused batch {}: its {} drift events would exceed "
              "the {} pending",
              result.batch_id.value_or("(no id)"), kept,
              st.settings.max_pending_events);
    if (st.metrics != nullptr)
      st.metrics->batches_overloaded.Increment();
    progress->done(make_error(
        ec::overloaded, std::to_string(before) +
                            " drift events are pending and the batch "
                            "adds " +
                            std::to_string(kept) + ", over the bound of " +
                            std::to_string(st.settings.max_pending_events)));
    return;
  }
  auto verdicts = st.shared->limiter.admit(events, started);
  std::size_t limited = 0;
  std::vector<dedup_request> requests(st.shards.size());
  // Digests spread evenly over the shards: reserve a fair share and a
  // margin, so that most shares are built without regrowing.
  for (auto& request : requests)
    request.events.reserve(kept / requests.size() + 8);
  std::size_t routed = 0;
  for (std::size_t e = 0; e < kept; ++e) {
    if (verdicts[e] != rate_verdict::allowed) {
      if (st.metrics != nullptr)
        st.metrics->count_rate_limited(verdicts[e]);
      ++limited;
      continue;
    }
    auto& request = requests[shard_of(digests[e], st.shards.size())];
    request.events.push_back({std::move(events[e]), std::move(digests[e])});
    ++routed;
  }
  if (limited > 0) {
    pending.fetch_sub(limited, std::memory_order_relaxed);
    log->debug("ingress skipped {} drift events of batch {}: over the node "
               "or tenant rate limit",
               limited, result.batch_id.value_or("(no id)"));
    result.counts.skipped += limited;
  }
  progress->events_held = routed;
  auto batch_deadline = started + st.settings.batch_deadline;
  auto submission_deadline =
      batch_deadline - submission_deadline_margin(st.settings.batch_deadline);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto& request = requests[i];
    if (request.events.empty())
      continue;
    request.cooldown = opts.auto_scan_cooldown;
    request.deadline = submission_deadline;
    auto share = request.events.size();
    ++progress->shards_pending;
    // The shards answer by the submission deadline; this timeout is the
    // backstop that holds the batch deadline even if one does not.
    auto left = batch_deadline - self->clock().now();
    self->request(st.shards[i], std::max(left, caf::timespan{0}),
                  dedup_atom::value, std::move(request))
        .then(
            [self, progress](drift_counts counts) {
              progress->result.counts += counts;
              if (--progress->shards_pending == 0)
                finish(self, *progress);
            },
            [self, progress, share, i](caf::error& err) {
              // Without the shard's answer, none of its events can be
              // reported as triggered: they count as skipped, not lost.
              if (err == caf::sec::request_timeout)
                self->state.log->warn(
                    "ingress answers batch {} without dedup shard {} at the "
                    "batch deadline: {} drift events count as skipped",
                    progress->result.batch_id.value_or("(no id)"), i, share);
              else
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

caf::timespan submission_deadline_margin(caf::timespan batch_deadline) {
  // A tenth of the deadline, at most 100 ms: enough for the skipped
  // outcome to travel coordinator -> shard -> ingress, small next to any
  // useful deadline.
  return std::min<caf::timespan>(batch_deadline / 10,
                                 std::chrono::milliseconds{100});
}

std::size_t shard_of(const std::string& digest, std::size_t shard_count) {
  // std::hash is stable within a process, which is all a shard choice needs:
  // the cooldown state lives in memory and dies with the process.
  return std::hash<std::string>{}(digest) % shard_count;
}

ingress_actor::behavior_type
ingress(ingress_stateful_actor self, ingress_settings settings,
        std::vector<dedup_shard_actor> shards, live_runtime_options_ptr options,
        ingress_shared_ptr shared, core_metrics* metrics) {
  auto& st = self->state;
  st.settings = settings;
  st.decoder = batch_decoder{settings.limits};
  st.shared = std::move(shared);
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
