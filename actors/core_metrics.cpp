#include "actors/core_metrics.hpp"

#include <string>

namespace deltascan {

namespace {

prometheus::Counter& counter(prometheus::Registry& registry,
                             const std::string& name, const std::string& help) {
  return prometheus::BuildCounter()
      .Name(name)
      .Help(help)
      .Register(registry)
      .Add({});
}

prometheus::Gauge& gauge(prometheus::Registry& registry,
                         const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(
      {});
}

prometheus::Histogram& latency_histogram(prometheus::Registry& registry) {
  // From a sub-millisecond duplicate-only batch to a batch that waited on
  // a slow scanner for its whole timeout.
  prometheus::Histogram::BucketBoundaries buckets{
      0.5, 1,   2.5,  5,    10,   25,    50,   100,
      250, 500, 1000, 2500, 5000, 10000, 30000};
  return prometheus::BuildHistogram()
      .Name("scanner_delta_scan_latency_ms")
      .Help("Processing time of a runtime event batch in milliseconds")
      .Register(registry)
      .Add({}, buckets);
}

std::vector<prometheus::Gauge*> per_shard_gauges(prometheus::Registry& registry,
                                                 std::size_t shards) {
  auto& family = prometheus::BuildGauge()
                     .Name("deltascan_tracked_digests")
                     .Help("Image digests in a dedup shard's cooldown table")
                     .Register(registry);
  std::vector<prometheus::Gauge*> result;
  result.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i)
    result.push_back(&family.Add({{"shard", std::to_string(i)}}));
  return result;
}

} // namespace

core_metrics::core_metrics(prometheus::Registry& registry, std::size_t shards)
    : scans_triggered{counter(registry, "scanner_delta_scan_triggered_total",
                              "Drift events that triggered a scan")},
      scans_skipped{counter(registry, "scanner_delta_scan_skipped_total",
                            "Drift events skipped without a scan")},
      scans_deduped{counter(registry, "scanner_delta_scan_deduped_total",
                            "Drift events deduplicated by the cooldown")},
      batch_latency_ms{latency_histogram(registry)},
      batches_processed{counter(registry, "deltascan_batches_processed_total",
                                "Runtime event batches processed")},
      batches_rejected{counter(registry, "deltascan_batches_rejected_total",
                               "Runtime event batches rejected as invalid")},
      events_received{counter(registry, "deltascan_events_received_total",
                              "Runtime events received in valid batches")},
      drift_events{counter(registry, "deltascan_drift_events_total",
                           "Drift events received in valid batches")},
      tracked_digests{per_shard_gauges(registry, shards)},
      submissions_in_flight{
          gauge(registry, "deltascan_scan_submissions_in_flight",
                "Scan submissions sent to the scanner and not yet answered")},
      submissions_queued{
          gauge(registry, "deltascan_scan_submissions_queued",
                "Scan submissions waiting for a free in-flight slot")} {
  // nop
}

} // namespace deltascan
