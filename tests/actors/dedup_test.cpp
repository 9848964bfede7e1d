// The cooldown rules of the original handler, plus the guarantee it lacked:
// per image, drift events behave as if handled one after another, even when
// batches race each other.
#include "tests/actors/fixture.hpp"

#include <algorithm>

using namespace deltascan;
using namespace deltascan::test;
using namespace std::chrono_literals;

namespace {

// Full sha256 digests, the form the cooldown table packs into 32 bytes.
const std::string digest_a =
    "sha256:" + std::string(32, 'a') + std::string(32, '0');
const std::string digest_b =
    "sha256:" + std::string(32, 'b') + std::string(32, '1');

drift_counts counts(const batch_result& r) {
  return r.counts;
}

} // namespace

TEST_CASE("a new digest triggers one scan with the submission body") {
  core_fixture f;
  f.transport().complete_at_once(ok("scan-7"));
  auto r = f.process(batch({drift("e1", digest_a)}, "batch-9"));
  CHECK(r.batch_id == "batch-9");
  CHECK(r.events_received == 1);
  CHECK(r.drift_events_detected == 1);
  CHECK(counts(r) == drift_counts{1, 0, 0});
  REQUIRE(f.transport().calls().size() == 1);
  const auto& s = f.transport().calls()[0].submission;
  CHECK(s.image_digest == digest_a);
  CHECK(s.client_request_id == "drift:e1");
  CHECK(s.image_reference == "registry/app@" + digest_a);
}

TEST_CASE("a digest repeated within a batch is deduplicated") {
  core_fixture f;
  f.transport().complete_at_once(ok());
  auto r = f.process(batch(
      {drift("e1", digest_a), drift("e2", digest_a), drift("e3", digest_b)}));
  CHECK(counts(r) == drift_counts{2, 0, 1});
  // Different digests may live on different shards: order is not defined.
  auto submitted = f.transport().digests();
  std::sort(submitted.begin(), submitted.end());
  CHECK(submitted == std::vector<std::string>{digest_a, digest_b});
}

TEST_CASE("a digest seen in an earlier batch is deduplicated") {
  core_fixture f;
  f.transport().complete_at_once(ok());
  CHECK(counts(f.process(batch({drift("e1", digest_a)}))) ==
        drift_counts{1, 0, 0});
  f.advance(299s);
  CHECK(counts(f.process(batch({drift("e2", digest_a)}))) ==
        drift_counts{0, 0, 1});
  CHECK(f.transport().calls().size() == 1);
}

TEST_CASE("the cooldown expires after its duration") {
  core_fixture f;
  f.transport().complete_at_once(ok());
  f.process(batch({drift("e1", digest_a)}));
  f.advance(300s);
  CHECK(counts(f.process(batch({drift("e2", digest_a)}))) ==
        drift_counts{1, 0, 0});
  CHECK(f.transport().calls().size() == 2);
}

TEST_CASE("a cooldown of zero never deduplicates") {
  core_fixture f{core_fixture::default_settings(), runtime_options{true, 0s}};
  f.transport().complete_at_once(ok());
  auto r = f.process(batch({drift("e1", digest_a), drift("e2", digest_a)}));
  CHECK(counts(r) == drift_counts{2, 0, 0});
  CHECK(counts(f.process(batch({drift("e3", digest_a)}))) ==
        drift_counts{1, 0, 0});
  CHECK(f.transport().calls().size() == 3);
}

TEST_CASE("a failed submission is skipped and not remembered") {
  core_fixture f;
  f.transport().complete_at_once(failed());
  CHECK(counts(f.process(batch({drift("e1", digest_a)}))) ==
        drift_counts{0, 1, 0});
  f.transport().complete_at_once(ok());
  CHECK(counts(f.process(batch({drift("e2", digest_a)}))) ==
        drift_counts{1, 0, 0});
  CHECK(f.transport().calls().size() == 2);
}

TEST_CASE("the same failing digest twice in a batch makes two attempts") {
  core_fixture f;
  f.transport().complete_at_once(failed());
  auto r = f.process(batch({drift("e1", digest_a), drift("e2", digest_a)}));
  CHECK(counts(r) == drift_counts{0, 2, 0});
  REQUIRE(f.transport().calls().size() == 2);
  CHECK(f.transport().calls()[0].submission.client_request_id == "drift:e1");
  CHECK(f.transport().calls()[1].submission.client_request_id == "drift:e2");
}

TEST_CASE("an event waits for the in-flight submission of its digest") {
  core_fixture f;
  auto first = f.post(batch({drift("e1", digest_a)}, "first"));
  auto second = f.post(batch({drift("e2", digest_a)}, "second"));
  f.run();
  // Only one submission may be at the scanner for one image.
  REQUIRE(f.transport().calls().size() == 1);
  CHECK_FALSE(f.await(first));
  CHECK_FALSE(f.await(second));
  SECTION("success: the waiting event is deduplicated") {
    f.transport().complete(0, ok());
    auto a = f.await(first);
    auto b = f.await(second);
    REQUIRE(a);
    REQUIRE(b);
    auto triggered = std::get<batch_result>(*a).counts.triggered +
                     std::get<batch_result>(*b).counts.triggered;
    auto deduped = std::get<batch_result>(*a).counts.deduped +
                   std::get<batch_result>(*b).counts.deduped;
    CHECK(triggered == 1);
    CHECK(deduped == 1);
    CHECK(f.transport().calls().size() == 1);
  }
  SECTION("failure: the waiting event submits itself") {
    f.transport().complete(0, failed());
    f.run();
    REQUIRE(f.transport().calls().size() == 2);
    CHECK(f.transport().calls()[1].submission.client_request_id == "drift:e2");
    f.transport().complete(1, ok());
    auto a = f.await(first);
    auto b = f.await(second);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(std::get<batch_result>(*a).counts == drift_counts{0, 1, 0});
    CHECK(std::get<batch_result>(*b).counts == drift_counts{1, 0, 0});
  }
}

TEST_CASE("many concurrent batches with one new digest cause one scan") {
  core_fixture f;
  std::vector<core_fixture::pending_reply> replies;
  for (int i = 0; i < 8; ++i)
    replies.push_back(f.post(
        batch({drift("e" + std::to_string(i), digest_a), start_event("s")})));
  f.run();
  REQUIRE(f.transport().calls().size() == 1);
  f.transport().complete(0, ok());
  drift_counts total;
  for (auto& r : replies) {
    auto reply = f.await(r);
    REQUIRE(reply);
    total += std::get<batch_result>(*reply).counts;
  }
  CHECK(total == drift_counts{1, 0, 7});
  CHECK(f.transport().calls().size() == 1);
}

TEST_CASE("entries are purged after twice the cooldown") {
  core_settings settings = core_fixture::default_settings();
  settings.purge_interval = 10s;
  core_fixture f{settings, runtime_options{true, 100s}};
  f.transport().complete_at_once(ok());
  f.process(batch({drift("e1", digest_a), drift("e2", digest_b)}));
  CHECK(f.tracked_digests() == 2);
  f.advance(150s, 10s);
  // Past the cooldown but inside twice of it: still remembered.
  CHECK(f.tracked_digests() == 2);
  // Past the cooldown digest_b triggers again, which restarts its window.
  CHECK(counts(f.process(batch({drift("e3", digest_b)}))) ==
        drift_counts{1, 0, 0});
  f.advance(60s, 10s);
  // At 210 s digest_a is older than twice the cooldown and forgotten;
  // digest_b, triggered 60 s ago, is kept.
  CHECK(f.tracked_digests() == 1);
  CHECK(counts(f.process(batch({drift("e4", digest_a)}))) ==
        drift_counts{1, 0, 0});
  CHECK(f.tracked_digests() == 2);
}

TEST_CASE("with auto-scan disabled every drift event is skipped") {
  core_fixture f{core_fixture::default_settings(),
                 runtime_options{false, 300s}};
  auto r = f.process(
      batch({drift("e1", digest_a), start_event("s1"), drift("e2", "")}));
  CHECK(r.events_received == 3);
  CHECK(r.drift_events_detected == 2);
  CHECK(counts(r) == drift_counts{0, 2, 0});
  CHECK(f.transport().calls().empty());
}

TEST_CASE("changed options apply from the next batch") {
  core_fixture f;
  f.transport().complete_at_once(ok());
  f.process(batch({drift("e1", digest_a)}));
  f.options().store(runtime_options{false, 300s});
  CHECK(counts(f.process(batch({drift("e2", digest_b)}))) ==
        drift_counts{0, 1, 0});
  f.options().store(runtime_options{true, 0s});
  CHECK(counts(f.process(batch({drift("e3", digest_a)}))) ==
        drift_counts{1, 0, 0});
  f.options().store(runtime_options{true, 300s});
  CHECK(counts(f.process(batch({drift("e4", digest_a)}))) ==
        drift_counts{0, 0, 1});
}

TEST_CASE("drift events without a digest are skipped") {
  core_fixture f;
  f.transport().complete_at_once(ok());
  auto no_digest = R"({"event":{"eventId":"e0","kind":"drift",)"
                   R"("workload":{"imageRef":"registry/app:1.2"}}})";
  auto r = f.process(batch({no_digest, drift("e1", digest_a)}));
  CHECK(counts(r) == drift_counts{1, 1, 0});
}

TEST_CASE("a submission without an outcome is skipped at the deadline") {
  core_fixture f;
  auto pending = f.post(batch({drift("e1", digest_a)}));
  f.run();
  REQUIRE(f.transport().calls().size() == 1);
  f.advance(59s);
  CHECK_FALSE(f.await(pending).has_value());
  f.advance(1s);
  auto r = f.await(pending);
  REQUIRE(r);
  CHECK(std::get<batch_result>(*r).counts == drift_counts{0, 1, 0});
  // Not remembered: once the abandoned attempt is over, even with a late
  // success, the next drift of the image submits again.
  f.transport().complete(0, ok());
  f.run();
  f.transport().complete_at_once(ok());
  CHECK(counts(f.process(batch({drift("e2", digest_a)}))) ==
        drift_counts{1, 0, 0});
  CHECK(f.transport().calls().size() == 2);
}
