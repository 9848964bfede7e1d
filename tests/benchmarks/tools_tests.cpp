// The load generator's arithmetic: latency percentiles within the promised
// precision, deltascand's reply counts, addresses, and the JSON keys the
// orchestration scripts read.
#include "benchmarks/host_port.hpp"
#include "benchmarks/latency_histogram.hpp"
#include "benchmarks/loadgen_report.hpp"
#include "benchmarks/loadgen_stats.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <string>

using namespace deltascan::bench;
using namespace std::chrono_literals;

TEST_CASE("latency percentiles are within 1 % of the exact ones") {
  latency_histogram histogram;
  // 1..10000 microseconds: the exact p-th percentile is p * 100 us.
  for (int us = 1; us <= 10'000; ++us)
    histogram.record(std::chrono::microseconds{us});
  REQUIRE(histogram.count() == 10'000);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    INFO(p);
    auto exact = p * 100'000.0; // ns
    auto got = static_cast<double>(histogram.percentile(p).count());
    CHECK(std::abs(got - exact) / exact < 0.01);
  }
  CHECK(histogram.max() == 10'000us);
  CHECK(histogram.min() == 1us);
  CHECK(histogram.percentile(100) == 10'000us);
  CHECK(std::abs(static_cast<double>(histogram.mean().count()) - 5'000'500.0) <
        1.0);
}

TEST_CASE("histograms of connections merge into the whole") {
  latency_histogram a;
  latency_histogram b;
  a.record(1ms);
  a.record(2ms);
  b.record(40ms);
  a.merge(b);
  CHECK(a.count() == 3);
  CHECK(a.max() == 40ms);
  CHECK(a.percentile(50) >= 2ms);
  CHECK(a.percentile(50) <= 2020us);
  latency_histogram empty;
  CHECK(empty.percentile(99) == 0ns);
  CHECK(empty.max() == 0ns);
}

TEST_CASE("deltascand's batch replies are summed") {
  daemon_counts counts;
  CHECK(add_reply_counts(
      R"({"batchId":"b","eventsReceived":256,"driftEventsDetected":128,)"
      R"("scansTriggered":3,"scansSkipped":1,"scansDeduped":124})",
      counts));
  CHECK(add_reply_counts(
      R"({"batchId":null,"eventsReceived":2,"driftEventsDetected":1,)"
      R"("scansTriggered": 1,"scansSkipped":0,"scansDeduped":0})",
      counts));
  CHECK_FALSE(
      add_reply_counts(R"({"scanId":"s-1","status":"queued"})", counts));
  CHECK(counts.replies == 2);
  CHECK(counts.events_received == 258);
  CHECK(counts.drift_events_detected == 129);
  CHECK(counts.scans_triggered == 4);
  CHECK(counts.scans_skipped == 1);
  CHECK(counts.scans_deduped == 124);
}

TEST_CASE("addresses are split into host and port") {
  std::string error;
  auto plain = split_host_port("127.0.0.1:8080", error);
  REQUIRE(plain);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == "8080");
  auto v6 = split_host_port("[::1]:0", error);
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "0");
  CHECK_FALSE(split_host_port("localhost", error));
  CHECK(error.find("HOST:PORT") != std::string::npos);
  CHECK_FALSE(split_host_port("localhost:http", error));
  CHECK_FALSE(split_host_port("localhost:70000", error));
  CHECK_FALSE(split_host_port("::1:80", error));
}

TEST_CASE("the JSON report has the keys scripts read") {
  load_report report;
  report.target = "127.0.0.1:8080";
  report.path = "/api/v1/runtime/events";
  report.connections = 16;
  report.threads = 1;
  report.duration_s = 2;
  report.stats.requests = 10;
  report.stats.requests_ok = 9;
  report.stats.events = 9 * 256;
  report.stats.drift_events = 9 * 128;
  report.stats.status_errors[503] = 1;
  report.stats.transport_errors = 2;
  report.stats.latency.record(3ms);
  auto json = to_json(report);
  for (const char* key :
       {"{\"requests\":10,", "\"duration_s\":2.000,",
        "\"requests_per_s\":5.000,", "\"events_per_s\":1152.000,",
        "\"drift_events_per_s\":576.000,", "\"latency_ms\":{\"p50\":3.000,",
        "\"p90\":", "\"p99\":", "\"max\":3.000",
        "\"errors\":{\"503\":1,\"transport\":2}", "\"offered_rate\":null,",
        "\"connections\":16,", "\"daemon\":null"}) {
    INFO(key);
    CHECK(json.find(key) != std::string::npos);
  }
  report.offered_rate = 100;
  report.parse_replies = true;
  json = to_json(report);
  CHECK(json.find("\"offered_rate\":100.000,") != std::string::npos);
  CHECK(json.find("\"mode\":\"open\"") != std::string::npos);
  CHECK(json.find("\"daemon\":{\"replies\":0,") != std::string::npos);
}
