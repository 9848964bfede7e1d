// Merging per-connection statistics and reading deltascand's batch replies.
#include "benchmarks/loadgen_stats.hpp"

#include <charconv>

namespace deltascan::bench {

namespace {

/// The unsigned number after `"key":`, if the body has one.
bool find_count(std::string_view body, std::string_view key,
                std::uint64_t& value) {
  auto at = body.find(key);
  if (at == std::string_view::npos)
    return false;
  auto rest = body.substr(at + key.size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':'))
    rest.remove_prefix(1);
  auto [end, ec] =
      std::from_chars(rest.data(), rest.data() + rest.size(), value);
  return ec == std::errc{} && end != rest.data();
}

} // namespace

daemon_counts& daemon_counts::operator+=(const daemon_counts& other) {
  replies += other.replies;
  events_received += other.events_received;
  drift_events_detected += other.drift_events_detected;
  scans_triggered += other.scans_triggered;
  scans_skipped += other.scans_skipped;
  scans_deduped += other.scans_deduped;
  return *this;
}

bool add_reply_counts(std::string_view body, daemon_counts& counts) {
  daemon_counts reply;
  if (!find_count(body, "\"scansTriggered\"", reply.scans_triggered))
    return false;
  find_count(body, "\"scansSkipped\"", reply.scans_skipped);
  find_count(body, "\"scansDeduped\"", reply.scans_deduped);
  find_count(body, "\"eventsReceived\"", reply.events_received);
  find_count(body, "\"driftEventsDetected\"", reply.drift_events_detected);
  reply.replies = 1;
  counts += reply;
  return true;
}

void load_stats::merge(const load_stats& other) {
  latency.merge(other.latency);
  requests += other.requests;
  requests_ok += other.requests_ok;
  events += other.events;
  drift_events += other.drift_events;
  bytes_sent += other.bytes_sent;
  for (const auto& [status, count] : other.status_errors)
    status_errors[status] += count;
  transport_errors += other.transport_errors;
  answered_total += other.answered_total;
  daemon += other.daemon;
}

} // namespace deltascan::bench
