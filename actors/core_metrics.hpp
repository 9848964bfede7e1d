// The Prometheus metrics of the actor core: the original handler's counters
// and latency histogram under their original names, plus what an operator
// needs to see the daemon's state (digests tracked per shard, submissions in
// flight and queued). Every label set is created up front, so scrapes and
// updates never allocate and the series count stays bounded.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

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

  // -- operator's view
  // ----------------------------------------------------------

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
};

} // namespace deltascan
