// The Prometheus metrics of the actor core: the original handler's counters
// and latency histogram under their original names, plus what an operator
// needs to see the daemon's state (digests tracked per shard, submissions in
// flight and queued). Every label set is created up front, so scrapes and
// updates never allocate and the series count stays bounded.
#pragma once

#include "model/circuit_breaker.hpp"
#include "model/drift_rate_limiter.hpp"
#include "model/scan_outcome.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <vector>

namespace deltascan {

class core_metrics {
public:
  /// Registers the metrics in `registry`, with one tracked-digests series
  /// per shard.
  core_metrics(prometheus::Registry& registry, std::size_t shards);

  // -- the original handler's metrics -----------------------------------------

  /// Drift events for which a scan was submitted successfully.
  prometheus::Counter& scans_triggered;
  /// Drift events that caused no scan: auto-scan off, no digest, failure.
  prometheus::Counter& scans_skipped;
  /// Drift events suppressed by the cooldown of their image.
  prometheus::Counter& scans_deduped;
  /// Processing time of a batch, from receipt to result, in milliseconds.
  prometheus::Histogram& batch_latency_ms;

  // -- operator's view --------------------------------------------------------

  prometheus::Counter& batches_processed;
  prometheus::Counter& batches_rejected;
  prometheus::Counter& events_received;
  prometheus::Counter& drift_events;
  /// Digests remembered by each shard's cooldown table.
  std::vector<prometheus::Gauge*> tracked_digests;
  /// Submissions handed to the transport and not yet completed.
  prometheus::Gauge& submissions_in_flight;
  /// Submissions waiting for a free slot under the in-flight bound.
  prometheus::Gauge& submissions_queued;
  /// Time from a submission's arrival at the coordinator client to its
  /// final outcome, retries included, in seconds.
  prometheus::Histogram& submission_seconds;
  /// Batches refused because the core holds too many drift events.
  prometheus::Counter& batches_overloaded;

  /// Counts a retry of a submission whose attempt failed with `kind`.
  void count_retry(failure_kind kind);

  /// Counts a submission that finally failed with `kind`.
  void count_failure(failure_kind kind);

  /// Sets the breaker-state gauge and counts the transition into `state`.
  void record_breaker_state(breaker_state state);

  /// Counts a drift event skipped by a rate limit.
  void count_rate_limited(rate_verdict verdict);

private:
  static constexpr std::size_t failure_kinds =
      static_cast<std::size_t>(failure_kind::shutdown) + 1;

  /// Indexed by failure_kind; null where the kind is never retried.
  std::array<prometheus::Counter*, failure_kinds> retries_{};
  /// Indexed by failure_kind; null for `none`.
  std::array<prometheus::Counter*, failure_kinds> failures_{};
  prometheus::Gauge* breaker_state_ = nullptr;
  std::array<prometheus::Counter*, 3> breaker_transitions_{};
  prometheus::Counter* node_limited_ = nullptr;
  prometheus::Counter* tenant_limited_ = nullptr;
};

} // namespace deltascan
