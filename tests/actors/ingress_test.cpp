// The ingress turns bodies into results: decode errors come back as errors
// naming the JSON path, counts always add up, and the metrics agree with
// the results the clients saw.
#include "actors/ingress.hpp"
#include "tests/actors/fixture.hpp"

#include <random>

using namespace deltascan;
using namespace deltascan::test;
using namespace std::chrono_literals;

TEST_CASE("a batch that does not decode is answered with its path") {
  core_fixture f;
  auto r = f.await(f.post(
      R"({"events":[{"event":{"eventId":"e","delta":{"changedFiles":{}}}}]})"));
  REQUIRE(r);
  REQUIRE(std::holds_alternative<caf::error>(*r));
  const auto& err = std::get<caf::error>(*r);
  CHECK(error_code(err) == ec::invalid_batch);
  CHECK(error_detail(err) ==
        "events[0].event.delta.changedFiles: expected an array or null");
  CHECK(f.metrics().batches_rejected.Value() == 1);
  CHECK(f.transport().calls().empty());
}

TEST_CASE("malformed JSON and oversized batches have their own codes") {
  core_settings settings = core_fixture::default_settings();
  settings.limits.max_events = 2;
  core_fixture f{settings};
  auto malformed = f.await(f.post(R"({"events":[)"));
  REQUIRE(malformed);
  CHECK(error_code(std::get<caf::error>(*malformed)) == ec::malformed_batch);
  auto too_many = f.await(f.post(
      batch({start_event("a"), start_event("b"), drift("c", "sha256:cc")})));
  REQUIRE(too_many);
  const auto& err = std::get<caf::error>(*too_many);
  CHECK(error_code(err) == ec::batch_too_large);
  CHECK(error_detail(err) == "events: more than 2 events in one batch");
  CHECK(f.transport().calls().empty());
}

TEST_CASE("a rejected batch does not disturb the next one") {
  core_fixture f;
  f.transport().complete_at_once(ok());
  auto bad = f.await(f.post("{"));
  REQUIRE(bad);
  CHECK(std::holds_alternative<caf::error>(*bad));
  auto good = f.process(batch({drift("e1", "sha256:11")}));
  CHECK(good.counts == drift_counts{1, 0, 0});
}

TEST_CASE("counts always add up and the metrics equal the summed results") {
  core_fixture f;
  std::mt19937 rng{42};
  drift_counts sum;
  std::size_t drift_total = 0;
  std::size_t events_total = 0;
  for (int b = 0; b < 40; ++b) {
    // Alternate scanner behaviour so all three outcomes occur.
    f.transport().complete_at_once(b % 3 == 0 ? failed() : ok());
    if (b == 20)
      f.options().store(runtime_options{false, 300s});
    if (b == 25)
      f.options().store(runtime_options{true, 30s});
    std::string body = R"({"events":[)";
    int events = 1 + static_cast<int>(rng() % 12);
    for (int e = 0; e < events; ++e) {
      if (e > 0)
        body += ',';
      auto id = "b" + std::to_string(b) + "e" + std::to_string(e);
      switch (rng() % 4) {
      case 0:
        body += start_event(id);
        break;
      case 1:
        body += drift(id, "");
        break;
      default:
        body += drift(id, "sha256:" + std::to_string(rng() % 6));
      }
    }
    body += "]}";
    auto r = f.process(body);
    CHECK(r.counts.total() == r.drift_events_detected);
    CHECK(r.events_received == static_cast<std::size_t>(events));
    sum += r.counts;
    drift_total += r.drift_events_detected;
    events_total += r.events_received;
    f.advance(5s);
  }
  auto& m = f.metrics();
  CHECK(m.scans_triggered.Value() == static_cast<double>(sum.triggered));
  CHECK(m.scans_skipped.Value() == static_cast<double>(sum.skipped));
  CHECK(m.scans_deduped.Value() == static_cast<double>(sum.deduped));
  CHECK(m.drift_events.Value() == static_cast<double>(drift_total));
  CHECK(m.events_received.Value() == static_cast<double>(events_total));
  CHECK(m.batches_processed.Value() == 40);
  CHECK(m.batch_latency_ms.Collect().histogram.sample_count == 40);
  CHECK(sum.triggered > 0);
  CHECK(sum.skipped > 0);
  CHECK(sum.deduped > 0);
}

TEST_CASE("batch latency is measured on the actor clock") {
  core_fixture f;
  auto pending = f.post(batch({drift("e1", "sha256:ab")}));
  f.run();
  f.advance(2s);
  f.transport().complete(0, ok());
  REQUIRE(f.await(pending));
  auto h = f.metrics().batch_latency_ms.Collect().histogram;
  CHECK(h.sample_count == 1);
  CHECK(h.sample_sum == Approx(2000.0));
}

TEST_CASE("the coordinator bounds submissions in flight") {
  core_settings settings = core_fixture::default_settings();
  settings.max_in_flight = 2;
  core_fixture f{settings};
  auto pending =
      f.post(batch({drift("e1", "sha256:01"), drift("e2", "sha256:02"),
                    drift("e3", "sha256:03"), drift("e4", "sha256:04")}));
  f.run();
  CHECK(f.transport().calls().size() == 2);
  CHECK(f.metrics().submissions_in_flight.Value() == 2);
  CHECK(f.metrics().submissions_queued.Value() == 2);
  f.transport().complete(0, ok());
  f.run();
  CHECK(f.transport().calls().size() == 3);
  CHECK(f.transport().open_calls() == 2);
  f.transport().complete_at_once(ok());
  f.transport().complete_all(ok());
  f.run();
  f.transport().complete_all(ok());
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{4, 0, 0});
  CHECK(f.transport().calls().size() == 4);
  CHECK(f.metrics().submissions_in_flight.Value() == 0);
  CHECK(f.metrics().submissions_queued.Value() == 0);
}

TEST_CASE("events of one batch go to each shard in one message") {
  // With one shard every drift event of the batch shares one request, and
  // the order within it is the batch order.
  core_settings settings = core_fixture::default_settings();
  settings.shards = 1;
  core_fixture f{settings};
  f.transport().complete_at_once(ok());
  auto r = f.process(batch({drift("e1", "sha256:03"), drift("e2", "sha256:01"),
                            drift("e3", "sha256:02")}));
  CHECK(r.counts == drift_counts{3, 0, 0});
  CHECK(f.transport().digests() ==
        std::vector<std::string>{"sha256:03", "sha256:01", "sha256:02"});
}

TEST_CASE("shard choice is stable and in range") {
  for (std::size_t n : {1u, 2u, 7u}) {
    auto s = shard_of("sha256:abc", n);
    CHECK(s < n);
    CHECK(shard_of("sha256:abc", n) == s);
  }
}

TEST_CASE("callers outside the actor system get results via a callback") {
  core_fixture f;
  f.transport().complete_at_once(ok());
  std::optional<caf::expected<batch_result>> got;
  auto callback = batch_callback{[&got](caf::expected<batch_result> r) {
    got = std::move(r);
  }};
  caf::anon_send(f.ingress(), ingest_atom::value,
                 batch({drift("e1", "sha256:ab")}, "cb"), callback);
  f.run();
  REQUIRE(got);
  REQUIRE(*got);
  CHECK((*got)->batch_id == "cb");
  CHECK((*got)->counts == drift_counts{1, 0, 0});
  got.reset();
  caf::anon_send(f.ingress(), ingest_atom::value, std::string{"[1]"}, callback);
  f.run();
  REQUIRE(got);
  REQUIRE_FALSE(*got);
  CHECK(error_code(got->error()) == ec::invalid_batch);
}
