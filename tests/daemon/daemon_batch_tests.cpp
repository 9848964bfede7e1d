// Runtime event batches through the whole of deltascand: HTTP in, decoding,
// dedup shards, scan submissions out to a stub scanner, and the counts the
// observer gets back, including duplicates across and within concurrent
// batches and a scanner that fails, refuses or never answers.
#include "tests/daemon/daemon_fixture.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>

#include <latch>
#include <string>
#include <thread>
#include <vector>

using namespace deltascan;
using namespace deltascan::e2e;

namespace {

// The reply to examples/drift-batch.json on a daemon that has not seen its
// image before, and the submission it makes, written out by hand so that
// the test does not trust the product's own encoder.
constexpr std::string_view example_reply =
    R"({"batchId":"node-7-2026-12-03T10:00:05Z","eventsReceived":2,)"
    R"("driftEventsDetected":1,"scansTriggered":1,"scansSkipped":0,)"
    R"("scansDeduped":0})";

constexpr std::string_view example_submission =
    R"({"image":{"reference":"registry.example.com/checkout/api@sha256:)"
    R"(3f1c9a7e5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",)"
    R"("digest":"sha256:)"
    R"(3f1c9a7e5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e"},)"
    R"("force":false,)"
    R"("clientRequestId":"drift:7f8e1c2a-9d41-4c1e-b2f7-5a1d0e6c3b01",)"
    R"("metadata":{"stellaops:trigger":"drift",)"
    R"("stellaops:drift.eventId":"7f8e1c2a-9d41-4c1e-b2f7-5a1d0e6c3b01",)"
    R"("stellaops:drift.tenant":"payments",)"
    R"("stellaops:drift.node":"ip-10-0-12-7.eu-west-1.compute.internal",)"
    R"("stellaops:drift.baselineDigest":"sha256:)"
    R"(3f1c9a7e5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",)"
    R"("stellaops:drift.changedFilesCount":"2",)"
    R"("stellaops:drift.newBinariesCount":"1"}})";

} // namespace

TEST_CASE("the example batch triggers exactly one scan submission",
          "[daemon][batch]") {
  daemon_fixture f;
  auto res = exchange_once(f.endpoint(), post_batch(example_batch()));
  REQUIRE(res);
  CHECK(res->result() == http::status::ok);
  CHECK(res->at(http::field::content_type) == "application/json");
  CHECK(res->body() == example_reply);
  auto received = f.scanner.stub().requests();
  REQUIRE(received.size() == 1);
  CHECK(received[0].body == example_submission);
  CHECK_FALSE(received[0].authorization);
  auto stats = f.scanner.stub().stats();
  CHECK(stats.received == 1);
  CHECK(stats.accepted == 1);
}

TEST_CASE("the same batch again is deduplicated across batches",
          "[daemon][batch][dedup]") {
  daemon_fixture f;
  auto first = post_ok(f.endpoint(), example_batch());
  CHECK(first.triggered == 1);
  auto second = post_ok(f.endpoint(), example_batch());
  CHECK(second.batch_id == "node-7-2026-12-03T10:00:05Z");
  CHECK(second.events_received == 2);
  CHECK(second.drift_events_detected == 1);
  CHECK(second.triggered == 0);
  CHECK(second.skipped == 0);
  CHECK(second.deduped == 1);
  CHECK(f.scanner.stub().stats().received == 1);
  CHECK(f.scanner.stub().requests().size() == 1);
}

TEST_CASE("batches without drift submit nothing", "[daemon][batch]") {
  daemon_fixture f;
  auto counts = post_ok(f.endpoint(),
                        batch_json("starts-only", {start_event_json("s-1"),
                                                   start_event_json("s-2")}));
  CHECK(counts.batch_id == "starts-only");
  CHECK(counts.events_received == 2);
  CHECK(counts.drift_events_detected == 0);
  CHECK(counts.triggered + counts.skipped + counts.deduped == 0);
  CHECK(f.scanner.stub().stats().received == 0);
}

TEST_CASE("a batch without batchId is answered with a null batchId",
          "[daemon][batch]") {
  daemon_fixture f;
  auto res = exchange_once(
      f.endpoint(), post_batch(R"({"events":[)" +
                               drift_event_json("e-1", test_digest(7)) + "]}"));
  REQUIRE(res);
  CHECK(res->result() == http::status::ok);
  CHECK(res->body() ==
        R"({"batchId":null,"eventsReceived":1,"driftEventsDetected":1,)"
        R"("scansTriggered":1,"scansSkipped":0,"scansDeduped":0})");
}

TEST_CASE("concurrent batches with one new digest submit it once",
          "[daemon][batch][dedup][concurrency]") {
  constexpr std::size_t clients = 8;
  net::stub_scanner_options slow;
  // Long enough that the batches overlap while the first submission is in
  // flight; the counts must come out the same if they do not.
  slow.latency = 50ms;
  daemon_fixture f{{}, slow};
  auto digest = test_digest(0xc0c0);
  std::vector<std::optional<net::http_response>> replies(clients);
  std::latch start{static_cast<std::ptrdiff_t>(clients)};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      auto id = std::to_string(i);
      auto req =
          post_batch(drift_batch("concurrent-" + id, "event-" + id, digest));
      http_test_client client;
      auto connected = !client.connect(f.endpoint());
      start.arrive_and_wait();
      if (connected)
        replies[i] = client.exchange(req);
    });
  }
  for (auto& thread : threads)
    thread.join();
  std::uint64_t triggered = 0;
  std::uint64_t deduped = 0;
  std::uint64_t skipped = 0;
  for (std::size_t i = 0; i < clients; ++i) {
    INFO("client " << i);
    REQUIRE(replies[i]);
    REQUIRE(replies[i]->result() == http::status::ok);
    auto counts = parse_batch_reply(replies[i]->body());
    REQUIRE(counts);
    CHECK(counts->drift_events_detected == 1);
    triggered += counts->triggered;
    deduped += counts->deduped;
    skipped += counts->skipped;
  }
  CHECK(triggered == 1);
  CHECK(deduped == clients - 1);
  CHECK(skipped == 0);
  CHECK(f.scanner.stub().stats().received == 1);
  CHECK(f.scanner.stub().requests().size() == 1);
}

TEST_CASE("a failed submission is retried, skipped and not remembered",
          "[daemon][batch][scanner]") {
  net::stub_scanner_options failing;
  failing.failure_rate = 1.0;
  daemon_fixture f{{}, failing};
  auto digest = test_digest(0xfa11);
  auto first = post_ok(f.endpoint(), drift_batch("fail-1", "e-1", digest));
  CHECK(first.drift_events_detected == 1);
  CHECK(first.triggered == 0);
  CHECK(first.skipped == 1);
  CHECK(first.deduped == 0);
  // Every attempt (max_attempts, 4 by default) repeats the same request.
  CHECK(f.scanner.stub().stats().failed == 4);
  for (const auto& request : f.scanner.stub().requests())
    CHECK(request.client_request_id == "drift:e-1");
  // The scanner recovers; the image was never scanned, so its next drift
  // must be submitted rather than suppressed by the cooldown.
  f.scanner.stub().set_failure_rate(0.0);
  auto second = post_ok(f.endpoint(), drift_batch("fail-2", "e-2", digest));
  CHECK(second.triggered == 1);
  CHECK(second.skipped == 0);
  CHECK(second.deduped == 0);
  auto stats = f.scanner.stub().stats();
  CHECK(stats.received == 5);
  CHECK(stats.accepted == 1);
}

TEST_CASE("a scanner that is down costs a skip, not the batch",
          "[daemon][batch][scanner]") {
  auto config = test_config(0);
  config.scanner.timeout = 1000ms;
  SECTION("nothing listens on the scanner's port") {
    config.scanner.url.port = closed_port();
    daemon_runner daemon{config};
    auto counts = post_ok(daemon.endpoint(),
                          drift_batch("down-1", "e-1", test_digest(0xd0)));
    CHECK(counts.drift_events_detected == 1);
    CHECK(counts.triggered == 0);
    CHECK(counts.skipped == 1);
  }
  SECTION("the scanner accepts connections but never answers") {
    // The kernel completes the handshakes in the backlog; nobody reads, so
    // only the scanner timeout ends each submission.
    boost::asio::io_context ioc;
    tcp::acceptor silent{ioc, loopback(0)};
    config.scanner.url.port = silent.local_endpoint().port();
    daemon_runner daemon{config};
    auto counts = post_ok(daemon.endpoint(),
                          drift_batch("silent-1", "e-1", test_digest(0xd1)));
    CHECK(counts.triggered == 0);
    CHECK(counts.skipped == 1);
    // Still not remembered: the same image is tried (and skipped) again.
    auto again = post_ok(daemon.endpoint(),
                         drift_batch("silent-2", "e-2", test_digest(0xd1)));
    CHECK(again.skipped == 1);
    CHECK(again.deduped == 0);
  }
}

TEST_CASE("one kept-alive connection carries several batches",
          "[daemon][batch][keep-alive]") {
  daemon_fixture f;
  http_test_client client;
  REQUIRE_FALSE(client.connect(f.endpoint()));
  auto first = client.exchange(
      post_batch(drift_batch("ka-1", "e-1", test_digest(0xa1))));
  REQUIRE(first);
  CHECK(first->result() == http::status::ok);
  CHECK(first->keep_alive());
  auto second = client.exchange(
      post_batch(drift_batch("ka-2", "e-2", test_digest(0xa2))));
  REQUIRE(second);
  CHECK(second->result() == http::status::ok);
  auto third = client.exchange(
      post_batch(drift_batch("ka-3", "e-3", test_digest(0xa1))));
  REQUIRE(third);
  auto counts = std::vector{parse_batch_reply(first->body()),
                            parse_batch_reply(second->body()),
                            parse_batch_reply(third->body())};
  for (const auto& c : counts)
    REQUIRE(c);
  CHECK(counts[0]->batch_id == "ka-1");
  CHECK(counts[0]->triggered == 1);
  CHECK(counts[1]->batch_id == "ka-2");
  CHECK(counts[1]->triggered == 1);
  CHECK(counts[2]->batch_id == "ka-3");
  CHECK(counts[2]->deduped == 1);
  CHECK(f.scanner.stub().stats().received == 2);
}
