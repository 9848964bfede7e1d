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

prometheus::Histogram& submission_histogram(prometheus::Registry& registry) {
  // From a scanner on the same host to one retried until the deadline.
  prometheus::Histogram::BucketBoundaries buckets{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
      0.5,   1,      2.5,   5,    10,    30,   60};
  return prometheus::BuildHistogram()
      .Name("deltascan_scanner_submission_seconds")
      .Help("Time from a scan submission's arrival to its final outcome, "
            "retries included")
      .Register(registry)
      .Add({}, buckets);
}

constexpr std::array all_failure_kinds{
    failure_kind::connection,    failure_kind::timeout,
    failure_kind::server_error,  failure_kind::request_timeout,
    failure_kind::throttled,     failure_kind::rejected,
    failure_kind::invalid_reply, failure_kind::breaker_open,
    failure_kind::deadline,      failure_kind::shutdown};

constexpr std::array all_breaker_states{
    breaker_state::closed, breaker_state::open, breaker_state::half_open};

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
                "Scan submissions waiting for a free in-flight slot")},
      submission_seconds{submission_histogram(registry)},
      batches_overloaded{
          counter(registry, "deltascan_batches_overloaded_total",
                  "Batches refused because too many drift events were "
                  "pending")} {
  auto& retries = prometheus::BuildCounter()
                      .Name("deltascan_scanner_retries_total")
                      .Help("Scan submission retries, by the failure that "
                            "caused them")
                      .Register(registry);
  auto& failures = prometheus::BuildCounter()
                       .Name("deltascan_scanner_failures_total")
                       .Help("Scan submissions that finally failed, by "
                             "reason")
                       .Register(registry);
  for (auto kind : all_failure_kinds) {
    auto index = static_cast<std::size_t>(kind);
    std::string label{to_string(kind)};
    if (is_retryable(kind))
      retries_[index] = &retries.Add({{"reason", label}});
    failures_[index] = &failures.Add({{"reason", label}});
  }
  breaker_state_ =
      &prometheus::BuildGauge()
           .Name("deltascan_scanner_breaker_state")
           .Help("The scanner circuit breaker: 0 closed, 1 open, 2 half-open")
           .Register(registry)
           .Add({});
  auto& transitions = prometheus::BuildCounter()
                          .Name("deltascan_scanner_breaker_transitions_total")
                          .Help("Circuit breaker state changes, by the state "
                                "entered")
                          .Register(registry);
  for (auto state : all_breaker_states)
    breaker_transitions_[static_cast<std::size_t>(state)] =
        &transitions.Add({{"to", std::string{to_string(state)}}});
  auto& limited = prometheus::BuildCounter()
                      .Name("deltascan_drift_events_rate_limited_total")
                      .Help("Drift events skipped by a rate limit, by the "
                            "limit that applied")
                      .Register(registry);
  node_limited_ = &limited.Add({{"limit", "node"}});
  tenant_limited_ = &limited.Add({{"limit", "tenant"}});
}

void core_metrics::count_retry(failure_kind kind) {
  if (auto* c = retries_[static_cast<std::size_t>(kind)])
    c->Increment();
}

void core_metrics::count_failure(failure_kind kind) {
  if (auto* c = failures_[static_cast<std::size_t>(kind)])
    c->Increment();
}

void core_metrics::record_breaker_state(breaker_state state) {
  auto index = static_cast<std::size_t>(state);
  breaker_state_->Set(static_cast<double>(index));
  breaker_transitions_[index]->Increment();
}

void core_metrics::count_rate_limited(rate_verdict verdict) {
  if (verdict == rate_verdict::node_limited)
    node_limited_->Increment();
  else if (verdict == rate_verdict::tenant_limited)
    tenant_limited_->Increment();
}

} // namespace deltascan
