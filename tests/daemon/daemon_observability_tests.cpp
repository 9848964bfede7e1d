// What operators and Kubernetes see of deltascand: the Prometheus metrics
// that count triggered, skipped and deduplicated scans after real traffic,
// and the liveness and readiness probes.
#include "tests/daemon/daemon_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace deltascan;
using namespace deltascan::e2e;

TEST_CASE("metrics count the scans of real traffic", "[daemon][metrics]") {
  daemon_fixture f;
  // One triggered scan, the same drift again (deduplicated), a drift event
  // with no digest anywhere (skipped) and a broken batch (rejected).
  auto triggered = exchange_once(f.endpoint(), post_batch(example_batch()));
  auto deduped = exchange_once(f.endpoint(), post_batch(example_batch()));
  auto skipped = exchange_once(
      f.endpoint(),
      post_batch(batch_json(
          "no-digest",
          {R"({"event":{"eventId":"e-9","kind":"Drift","workload":)"
           R"({"imageRef":"registry.example.com/checkout/api:latest"}}})"})));
  auto rejected = exchange_once(f.endpoint(), post_batch("{"));
  REQUIRE(triggered);
  REQUIRE(deduped);
  REQUIRE(skipped);
  REQUIRE(rejected);
  CHECK(triggered->result() == http::status::ok);
  CHECK(deduped->result() == http::status::ok);
  CHECK(skipped->result() == http::status::ok);
  CHECK(parse_batch_reply(skipped->body())->skipped == 1);
  CHECK(rejected->result() == http::status::bad_request);

  auto res =
      exchange_once(f.endpoint(), make_request(http::verb::get, "/metrics"));
  REQUIRE(res);
  CHECK(res->result() == http::status::ok);
  CHECK(res->at(http::field::content_type) == "text/plain; version=0.0.4");
  const auto& text = res->body();
  INFO(text);
  CHECK_THAT(text, Catch::Contains("\nscanner_delta_scan_triggered_total 1\n"));
  CHECK_THAT(text, Catch::Contains("\nscanner_delta_scan_deduped_total 1\n"));
  CHECK_THAT(text, Catch::Contains("\nscanner_delta_scan_skipped_total 1\n"));
  CHECK_THAT(text, Catch::Contains("\ndeltascan_batches_rejected_total 1\n"));
  CHECK(sample(text, "scanner_delta_scan_latency_ms_count") == 3.0);
  CHECK(sample(text, "deltascan_batches_processed_total") == 3.0);
  CHECK(sample(text, "deltascan_events_received_total") == 5.0);
  CHECK(sample(text, "deltascan_drift_events_total") == 3.0);
  // One digest is in a cooldown table, on one of the two shards.
  auto shard0 = sample(text, R"(deltascan_tracked_digests{shard="0"})");
  auto shard1 = sample(text, R"(deltascan_tracked_digests{shard="1"})");
  REQUIRE(shard0 >= 0);
  REQUIRE(shard1 >= 0);
  CHECK(shard0 + shard1 == 1.0);
  CHECK(sample(text, R"(deltascan_tracked_digests{shard="2"})") == -1);
}

TEST_CASE("a started daemon is alive and ready", "[daemon][probes]") {
  daemon_fixture f;
  http_test_client client;
  REQUIRE_FALSE(client.connect(f.endpoint()));
  auto alive = client.exchange(make_request(http::verb::get, "/healthz"));
  REQUIRE(alive);
  CHECK(alive->result() == http::status::ok);
  CHECK(alive->at(http::field::content_type) == "application/json");
  CHECK(alive->body() == R"({"status":"alive"})");
  auto ready = client.exchange(make_request(http::verb::get, "/readyz"));
  REQUIRE(ready);
  CHECK(ready->result() == http::status::ok);
  CHECK(ready->body() == R"({"status":"ready"})");
  // Probes may carry a query string.
  auto queried =
      client.exchange(make_request(http::verb::get, "/readyz?verbose=1"));
  REQUIRE(queried);
  CHECK(queried->result() == http::status::ok);
}
