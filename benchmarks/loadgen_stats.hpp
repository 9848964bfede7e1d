// What one load test observed: answered requests, the runtime events and
// drift events they carried, latencies, errors by status, and (for batches
// posted to deltascand) what the daemon said it did with the drift events.
// Each connection keeps its own and they are merged at the end, so the hot
// path takes no lock.
#pragma once

#include "benchmarks/latency_histogram.hpp"

#include <cstdint>
#include <map>
#include <string_view>

namespace deltascan::bench {

/// The counts deltascand's batch replies carry, summed.
struct daemon_counts {
  /// Replies in which the counts were found.
  std::uint64_t replies = 0;
  std::uint64_t events_received = 0;
  std::uint64_t drift_events_detected = 0;
  std::uint64_t scans_triggered = 0;
  std::uint64_t scans_skipped = 0;
  std::uint64_t scans_deduped = 0;

  daemon_counts& operator+=(const daemon_counts& other);
};

/// Adds the counts of one batch reply (`{"eventsReceived":n,...}`) by plain
/// string search: the reply's shape is deltascand's own and fixed. Returns
/// false, adding nothing, when the body carries no `scansTriggered`.
bool add_reply_counts(std::string_view body, daemon_counts& counts);

struct load_stats {
  latency_histogram latency;
  /// Requests answered within the measurement window, whatever the status.
  std::uint64_t requests = 0;
  /// Of those, the ones answered 2xx.
  std::uint64_t requests_ok = 0;
  /// Runtime events and drift events in the requests answered 2xx.
  std::uint64_t events = 0;
  std::uint64_t drift_events = 0;
  std::uint64_t bytes_sent = 0;
  /// Answers other than 2xx in the window, by status code.
  std::map<unsigned, std::uint64_t> status_errors;
  /// Requests lost in the window to connect, write or read failures and
  /// timeouts.
  std::uint64_t transport_errors = 0;
  /// Requests answered during the whole run, warm-up included.
  std::uint64_t answered_total = 0;
  daemon_counts daemon;

  void merge(const load_stats& other);
};

} // namespace deltascan::bench
