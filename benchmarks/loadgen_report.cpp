// Formats load test results; numbers are written with a fixed precision so
// the JSON of two runs diffs cleanly.
#include "benchmarks/loadgen_report.hpp"

#include "model/json_writer.hpp"

#include <chrono>
#include <cstdio>

namespace deltascan::bench {

namespace {

std::string fixed(double value, int decimals = 3) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

double per_second(std::uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

} // namespace

std::string to_json(const load_report& report) {
  const auto& s = report.stats;
  auto d = report.duration_s;
  std::string out;
  out += "{\"requests\":" + std::to_string(s.requests);
  out += ",\"duration_s\":" + fixed(d);
  out += ",\"requests_per_s\":" + fixed(per_second(s.requests, d));
  out += ",\"events_per_s\":" + fixed(per_second(s.events, d));
  out += ",\"drift_events_per_s\":" + fixed(per_second(s.drift_events, d));
  out += ",\"latency_ms\":{\"p50\":" + fixed(ms(s.latency.percentile(50)));
  out += ",\"p90\":" + fixed(ms(s.latency.percentile(90)));
  out += ",\"p99\":" + fixed(ms(s.latency.percentile(99)));
  out += ",\"max\":" + fixed(ms(s.latency.max()));
  out += ",\"mean\":" + fixed(ms(s.latency.mean())) + "}";
  out += ",\"errors\":{";
  for (const auto& [status, count] : s.status_errors) {
    out += '"';
    out += std::to_string(status);
    out += "\":";
    out += std::to_string(count);
    out += ',';
  }
  out += "\"transport\":" + std::to_string(s.transport_errors) + "}";
  out += ",\"offered_rate\":";
  out += report.offered_rate ? fixed(*report.offered_rate) : "null";
  out += ",\"connections\":" + std::to_string(report.connections);
  out += ",\"threads\":" + std::to_string(report.threads);
  out += ",\"warmup_s\":" + fixed(report.warmup_s);
  out += ",\"requests_ok\":" + std::to_string(s.requests_ok);
  out += ",\"requests_total\":" + std::to_string(s.answered_total);
  out += ",\"not_sent\":" + std::to_string(report.not_sent);
  out += ",\"bytes_sent_per_s\":" + fixed(per_second(s.bytes_sent, d));
  out += ",\"target\":";
  append_json_string(out, report.target);
  out += ",\"path\":";
  append_json_string(out, report.path);
  out += report.offered_rate ? ",\"mode\":\"open\"" : ",\"mode\":\"closed\"";
  out += ",\"next_unique_index\":";
  out += report.next_unique_index ? std::to_string(*report.next_unique_index)
                                  : "null";
  out += ",\"daemon\":";
  if (report.parse_replies) {
    const auto& c = s.daemon;
    out += "{\"replies\":" + std::to_string(c.replies);
    out += ",\"eventsReceived\":" + std::to_string(c.events_received);
    out +=
        ",\"driftEventsDetected\":" + std::to_string(c.drift_events_detected);
    out += ",\"scansTriggered\":" + std::to_string(c.scans_triggered);
    out += ",\"scansSkipped\":" + std::to_string(c.scans_skipped);
    out += ",\"scansDeduped\":" + std::to_string(c.scans_deduped) + "}";
  } else {
    out += "null";
  }
  out += "}\n";
  return out;
}

std::string to_table(const load_report& report) {
  const auto& s = report.stats;
  auto d = report.duration_s;
  std::string out;
  out += "target      POST http://" + report.target + report.path + "\n";
  out += "load        " + std::to_string(report.connections) +
         " connections, " + std::to_string(report.threads) + " thread(s), ";
  out += report.offered_rate
             ? "open loop at " + fixed(*report.offered_rate, 1) + " req/s"
             : std::string{"closed loop"};
  out += "\n";
  out += "window      " + fixed(d, 2) + " s after " +
         fixed(report.warmup_s, 2) + " s warm-up\n";
  out += "requests    " + std::to_string(s.requests) + " (" +
         fixed(per_second(s.requests, d), 1) + "/s), 2xx " +
         std::to_string(s.requests_ok) + "\n";
  out += "events      " + fixed(per_second(s.events, d), 1) + "/s, drift " +
         fixed(per_second(s.drift_events, d), 1) + "/s\n";
  out +=
      "sent        " + fixed(per_second(s.bytes_sent, d) / 1e6, 2) + " MB/s\n";
  out += "latency ms  p50 " + fixed(ms(s.latency.percentile(50))) + "  p90 " +
         fixed(ms(s.latency.percentile(90))) + "  p99 " +
         fixed(ms(s.latency.percentile(99))) + "  max " +
         fixed(ms(s.latency.max())) + "  mean " + fixed(ms(s.latency.mean())) +
         "\n";
  out += "errors      ";
  if (s.status_errors.empty() && s.transport_errors == 0)
    out += "none";
  for (const auto& [status, count] : s.status_errors)
    out += std::to_string(status) + ": " + std::to_string(count) + "  ";
  if (s.transport_errors > 0)
    out += "transport: " + std::to_string(s.transport_errors);
  out += "\n";
  if (report.offered_rate)
    out += "not sent    " + std::to_string(report.not_sent) +
           " (scheduled, no free connection before the end)\n";
  if (report.next_unique_index)
    out += "unique      next index " +
           std::to_string(*report.next_unique_index) + "\n";
  if (report.parse_replies) {
    const auto& c = s.daemon;
    out += "daemon      " + std::to_string(c.replies) + " replies: drift " +
           std::to_string(c.drift_events_detected) + ", triggered " +
           std::to_string(c.scans_triggered) + ", skipped " +
           std::to_string(c.scans_skipped) + ", deduped " +
           std::to_string(c.scans_deduped) + "\n";
  }
  return out;
}

} // namespace deltascan::bench
