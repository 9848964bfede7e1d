// The result of one load test against deltascand, a floor or the scanner,
// as a table for people and as JSON with fixed keys for the scripts that
// compare runs against the floors.
#pragma once

#include "benchmarks/loadgen_stats.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace deltascan::bench {

struct load_report {
  std::string target;
  std::string path;
  std::size_t connections = 0;
  std::size_t threads = 0;
  double warmup_s = 0;
  /// Length of the measurement window actually observed.
  double duration_s = 0;
  /// Requests per second asked for in the open-loop mode; none when closed.
  std::optional<double> offered_rate;
  /// Open loop: requests whose scheduled time passed during the window but
  /// that never found a free connection before the end.
  std::uint64_t not_sent = 0;
  /// Unique mode: the first unique digest index not sent.
  std::optional<std::uint64_t> next_unique_index;
  /// Whether replies were searched for deltascand's counts.
  bool parse_replies = false;
  load_stats stats;
};

/// One JSON object, keys always present:
/// `{"requests","duration_s","requests_per_s","events_per_s",
///   "drift_events_per_s","latency_ms":{"p50","p90","p99","max","mean"},
///   "errors":{"<status>":n,...,"transport":n},"offered_rate":x|null,
///   "connections","threads","warmup_s","requests_ok","requests_total",
///   "not_sent","bytes_sent_per_s","target","path","mode",
///   "next_unique_index":n|null,"daemon":{...}|null}`.
std::string to_json(const load_report& report);

/// A few aligned lines for a terminal.
std::string to_table(const load_report& report);

} // namespace deltascan::bench
