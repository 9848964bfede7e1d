// The benchmark corpus must be what the floors and deltascand are compared
// on: the same bytes for the same seed, realistic events deltascand's own
// decoder accepts, the asked share of drift events, and in unique mode
// digests that never repeat, so every drift event costs a scan submission.
#include "benchmarks/corpus.hpp"
#include "model/batch_decoder.hpp"
#include "model/image_digest.hpp"
#include "model/scan_submission.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace deltascan;
using namespace deltascan::bench;

namespace {

corpus_options small_options() {
  corpus_options options;
  options.events_per_batch = 64;
  options.batches = 8;
  options.seed = 7;
  return options;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++count;
  return count;
}

/// Decodes a body with deltascand's decoder, failing the test on error.
runtime_batch decode(std::string body) {
  batch_decoder decoder;
  runtime_batch batch;
  auto err = decoder.decode(body, batch);
  INFO(err.to_string());
  REQUIRE_FALSE(err);
  return batch;
}

} // namespace

TEST_CASE("the same options give the same bytes") {
  auto options = small_options();
  auto first = make_batches(options);
  auto second = make_batches(options);
  REQUIRE(first.size() == options.batches);
  CHECK(first == second);
  SECTION("a different seed gives different batches") {
    options.seed = 8;
    auto other = make_batches(options);
    REQUIRE(other.size() == first.size());
    for (std::size_t i = 0; i < other.size(); ++i)
      CHECK(other[i] != first[i]);
  }
  SECTION("more batches extend the corpus without changing its start") {
    options.batches = 12;
    auto longer = make_batches(options);
    CHECK(std::equal(first.begin(), first.end(), longer.begin()));
  }
}

TEST_CASE("a batch carries every kind of runtime event") {
  auto batches = make_batches(small_options());
  std::string all;
  for (const auto& batch : batches)
    all += batch;
  for (const char* kind : {"Drift", "ContainerStart", "ContainerStop",
                           "PolicyViolation", "AttestationStatus"}) {
    INFO(kind);
    CHECK(count_of(all, std::string{"\"kind\":\""} + kind + "\"") > 0);
  }
  // Fields a real observer sends, in every event.
  auto events = count_of(all, "\"schemaVersion\":\"zastava.runtime.event@v1\"");
  CHECK(events == 8 * 64);
  for (const char* field :
       {"\"eventId\":", "\"when\":", "\"tenant\":", "\"node\":",
        "\"runtime\":{\"engine\":", "\"workload\":{\"platform\":",
        "\"containerId\":", "\"imageRef\":", "\"owner\":{\"kind\":",
        "\"process\":{\"pid\":", "\"entrypoint\":[", "\"entryTrace\":[{",
        "\"buildId\":", "\"loadedLibs\":[{\"path\":", "\"inode\":",
        "\"posture\":{\"imageSigned\":", "\"sbomReferrer\":",
        "\"evidence\":[{\"signal\":", "\"annotations\":{"}) {
    INFO(field);
    CHECK(count_of(all, field) >= events);
  }
  CHECK(count_of(all, "\"delta\":{\"baselineImageDigest\":") ==
        count_of(all, "\"kind\":\"Drift\""));
}

TEST_CASE("event ids, times and image references look like an observer's") {
  auto built = make_corpus(small_options());
  std::regex uuid{"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                  "[0-9a-f]{12}"};
  std::regex reference{"[a-z0-9.-]+/[a-z-]+/[a-z-]+@sha256:[0-9a-f]{64}"};
  std::regex when{"\"when\":\"2026-12-0[3-9]T[0-9]{2}:[0-9]{2}:[0-9]{2}\\."
                  "[0-9]{3}Z\""};
  REQUIRE_FALSE(built.drift_events.empty());
  for (const auto& event : built.drift_events) {
    CHECK(std::regex_match(event.event_id, uuid));
    REQUIRE(event.image_ref);
    CHECK(std::regex_match(*event.image_ref, reference));
  }
  const auto& json = built.batches.front().json;
  auto times =
      std::distance(std::sregex_iterator(json.begin(), json.end(), when),
                    std::sregex_iterator());
  CHECK(times == 64);
}

TEST_CASE("deltascand's decoder accepts every batch and finds its drift") {
  auto options = small_options();
  options.drift_fraction = 0.3;
  auto built = make_corpus(options);
  std::size_t index = 0;
  for (const auto& body : built.batches) {
    auto batch = decode(body.json);
    CHECK(batch.events_received == options.events_per_batch);
    CHECK(batch.drift_events.size() == body.drift_events);
    REQUIRE(body.digests.size() == body.drift_events);
    for (std::size_t i = 0; i < batch.drift_events.size(); ++i) {
      const auto& event = batch.drift_events[i];
      CHECK(image_digest(event) == body.digests[i].digest);
      CHECK(event.changed_files_count > 0);
      // The corpus's own copy of the drift events matches what the daemon
      // decodes.
      REQUIRE(index < built.drift_events.size());
      CHECK(built.drift_events[index++] == event);
    }
  }
  CHECK(index == built.drift_events.size());
}

TEST_CASE("the drift fraction is kept in every batch") {
  auto options = small_options();
  for (double fraction : {0.0, 0.1, 0.5, 0.9, 1.0}) {
    options.drift_fraction = fraction;
    auto built = make_corpus(options);
    std::size_t drift = 0;
    for (const auto& body : built.batches) {
      auto share = static_cast<double>(body.drift_events) /
                   static_cast<double>(body.events);
      CHECK(std::abs(share - fraction) <= 0.5 / 64 + 1e-9);
      CHECK(count_of(body.json, "\"kind\":\"Drift\"") == body.drift_events);
      drift += body.drift_events;
    }
    CHECK(drift == built.drift_events.size());
  }
}

TEST_CASE("events average about 1.4 KB") {
  corpus_options options; // the defaults the floors are measured with
  options.batches = 8;
  auto built = make_corpus(options);
  std::size_t bytes = 0;
  std::size_t events = 0;
  for (const auto& body : built.batches) {
    bytes += body.json.size();
    events += body.events;
  }
  auto average = static_cast<double>(bytes) / static_cast<double>(events);
  CHECK(average >= 1200);
  CHECK(average <= 1600);
}

TEST_CASE("popular images are drawn more often than rare ones") {
  corpus_options options;
  options.batches = 8;
  options.distinct_digests = 100;
  auto built = make_corpus(options);
  std::map<std::string, std::size_t> uses;
  for (const auto& event : built.drift_events)
    ++uses[*event.baseline_image_digest];
  CHECK(uses.size() <= 100);
  CHECK(built.drift_digests.size() == uses.size());
  // With s = 1 the top image takes about 1/H(100) ~ 19 % of the draws and
  // image 50 about 0.4 %.
  auto top = uses[popular_digest(options.seed, 0)];
  CHECK(top > built.drift_events.size() / 10);
  CHECK(top > 5 * uses[popular_digest(options.seed, 49)]);
  CHECK(built.next_unique_index == options.first_unique_index);
}

TEST_CASE("unique mode never repeats a drift digest") {
  auto options = small_options();
  options.unique_digests = true;
  options.first_unique_index = 1000;
  auto first = make_corpus(options);
  CHECK(first.drift_digests.size() == first.drift_events.size());
  CHECK(first.next_unique_index == 1000 + first.drift_events.size());
  CHECK(first.drift_digests.front() == unique_digest(options.seed, 1000));

  // A second corpus starting where the first ended shares no digest with
  // it, though its other events and batches are drawn the same way.
  options.first_unique_index = first.next_unique_index;
  auto second = make_corpus(options);
  std::set<std::string> seen(first.drift_digests.begin(),
                             first.drift_digests.end());
  for (const auto& digest : second.drift_digests)
    CHECK(seen.insert(digest).second);
  CHECK(seen.size() == first.drift_events.size() + second.drift_events.size());

  // Nor does any unique digest equal a popular one of the same seed.
  for (std::uint64_t rank = 0; rank < options.distinct_digests; ++rank)
    CHECK(seen.count(popular_digest(options.seed, rank)) == 0);
}

TEST_CASE("fresh unique digests can be written into a body in place") {
  auto options = small_options();
  options.unique_digests = true;
  auto built = make_corpus(options);
  const auto& body = built.batches.front();
  auto copy = body.json;
  auto next = write_unique_digests(copy, body.digests, options.seed, 5000);
  CHECK(next == 5000 + body.digests.size());
  CHECK(copy.size() == body.json.size());
  auto batch = decode(copy);
  REQUIRE(batch.drift_events.size() == body.digests.size());
  for (std::size_t i = 0; i < batch.drift_events.size(); ++i) {
    const auto& event = batch.drift_events[i];
    auto expected = unique_digest(options.seed, 5000 + i);
    CHECK(event.baseline_image_digest == expected);
    REQUIRE(event.image_ref);
    CHECK(event.image_ref->ends_with("@" + expected));
  }
}

TEST_CASE("scan bodies are what deltascand sends the scanner") {
  auto options = small_options();
  auto built = make_corpus(options);
  auto bodies = make_scan_bodies(built);
  REQUIRE(bodies.size() == built.drift_events.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const auto& event = built.drift_events[i];
    auto digest = image_digest(event);
    REQUIRE(digest);
    CHECK(bodies[i].json ==
          to_json(make_scan_submission(event, std::move(*digest))));
    CHECK(bodies[i].json.find("\"clientRequestId\":\"drift:" + event.event_id +
                              "\"") != std::string::npos);
    // Reference, digest and the baseline in the metadata.
    REQUIRE(bodies[i].digests.size() == 1);
    CHECK(bodies[i].digests[0].hex_offsets.size() == 3);
  }
  SECTION("unique digests replace every copy of the digest") {
    auto copy = bodies.front().json;
    write_unique_digests(copy, bodies.front().digests, options.seed, 9);
    auto fresh = unique_digest(options.seed, 9);
    CHECK(count_of(copy, fresh.substr(7)) == 3);
    CHECK(count_of(copy, bodies.front().digests[0].digest.substr(7)) == 0);
  }
}
