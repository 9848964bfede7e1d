// The decoder is the daemon's first line of defence: it must accept every
// batch an observer legitimately sends and reject anything else as a whole,
// naming where the problem is.
#include "model/batch_decoder.hpp"
#include "model/strict_batch_reader.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;

namespace {

struct decoded {
  decode_error error;
  runtime_batch batch;
};

decoded decode(std::string body, decode_limits limits = {}) {
  batch_decoder decoder{limits};
  decoded result;
  result.error = decoder.decode(body, result.batch);
  return result;
}

// A realistic drift event with every field an observer sends.
constexpr auto full_drift_batch = R"({
  "batchId": "batch-1",
  "events": [{
    "schemaVersion": "zastava.runtime.event@v1",
    "event": {
      "eventId": "evt-1",
      "when": "2026-12-03T10:00:00Z",
      "kind": "Drift",
      "tenant": "tenant-a",
      "node": "node-7",
      "runtime": {"engine": "containerd", "version": "1.7.2"},
      "workload": {
        "platform": "kubernetes", "namespace": "payments",
        "pod": "api-7d9", "container": "api", "containerId": "containerd://1",
        "imageRef": "registry/app@sha256:abc",
        "owner": {"kind": "Deployment", "name": "api"}
      },
      "process": {"pid": 4242, "entrypoint": ["/bin/sh", "-c", "x"],
                  "buildId": null},
      "loadedLibs": [{"path": "/lib/libc.so.6", "inode": 1, "sha256": "ff"}],
      "posture": {"imageSigned": true, "sbomReferrer": "present"},
      "delta": {
        "baselineImageDigest": "sha256:abc",
        "changedFiles": ["/usr/bin/curl", "/etc/passwd"],
        "newBinaries": [{"path": "/usr/bin/nc", "sha256": "aa", "size": 1.5e3}]
      },
      "evidence": [{"signal": "proc.exec", "value": "nc"}],
      "annotations": {"k": "v", "nested": [[], {}, -0.5e-3, false]}
    }
  }]
})";

} // namespace

TEST_CASE("a full drift event is decoded with every field the rules read") {
  auto [error, batch] = decode(full_drift_batch);
  REQUIRE_FALSE(error);
  CHECK(batch.batch_id == "batch-1");
  CHECK(batch.events_received == 1);
  REQUIRE(batch.drift_events.size() == 1);
  const auto& event = batch.drift_events[0];
  CHECK(event.event_id == "evt-1");
  CHECK(event.tenant == "tenant-a");
  CHECK(event.node == "node-7");
  CHECK(event.image_ref == "registry/app@sha256:abc");
  CHECK(event.baseline_image_digest == "sha256:abc");
  CHECK(event.changed_files_count == 2);
  CHECK(event.new_binaries_count == 1);
}

TEST_CASE("kinds match case-insensitively with underscores ignored") {
  for (auto kind : {"drift", "DRIFT", "Drift", "dr_ift", "_DRIFT_"}) {
    auto body = std::string{R"({"events":[{"event":{"eventId":"e","kind":")"} +
                kind + R"("}}]})";
    auto [error, batch] = decode(body);
    REQUIRE_FALSE(error);
    CHECK(batch.drift_events.size() == 1);
  }
}

TEST_CASE("non-drift and unknown kinds are counted but not kept") {
  auto [error, batch] = decode(R"({"batchId": null, "events": [
    {"event": {"eventId": "a", "kind": "ContainerStart"}},
    {"event": {"eventId": "b", "kind": "container_stop"}},
    {"event": {"eventId": "c", "kind": "PolicyViolation"}},
    {"event": {"eventId": "d", "kind": "AttestationStatus"}},
    {"event": {"eventId": "e", "kind": "SomethingNew"}},
    {"event": {"eventId": "f", "kind": null}},
    {"event": {"eventId": "g"}},
    {"event": {"eventId": "h", "kind": "drift"}}]})");
  REQUIRE_FALSE(error);
  CHECK_FALSE(batch.batch_id);
  CHECK(batch.events_received == 8);
  REQUIRE(batch.drift_events.size() == 1);
  CHECK(batch.drift_events[0].event_id == "h");
}

TEST_CASE("string fields may be null or absent, except eventId") {
  auto [error, batch] = decode(R"({"events":[{"schemaVersion":null,"event":{
    "eventId":"e","kind":"drift","when":null,"tenant":null,"node":null,
    "workload":{"imageRef":null,"pod":null,"owner":null},
    "delta":{"baselineImageDigest":null,"changedFiles":null,
             "newBinaries":null}}}]})");
  REQUIRE_FALSE(error);
  REQUIRE(batch.drift_events.size() == 1);
  const auto& event = batch.drift_events[0];
  CHECK_FALSE(event.tenant);
  CHECK_FALSE(event.node);
  CHECK_FALSE(event.image_ref);
  CHECK_FALSE(event.baseline_image_digest);
  CHECK(event.changed_files_count == 0);
  CHECK(event.new_binaries_count == 0);
}

TEST_CASE("an empty batch is valid") {
  auto [error, batch] = decode(R"({"events": []})");
  REQUIRE_FALSE(error);
  CHECK(batch.events_received == 0);
}

TEST_CASE("escaped strings are unescaped") {
  auto [error, batch] = decode(
      R"({"events":[{"event":{"eventId":"e\u0031\"","kind":"dri\u0066t"}}]})");
  REQUIRE_FALSE(error);
  REQUIRE(batch.drift_events.size() == 1);
  CHECK(batch.drift_events[0].event_id == "e1\"");
}

TEST_CASE("wrong types are rejected with the path of the field") {
  struct sample {
    const char* body;
    const char* message;
  };
  auto samples = GENERATE(values<sample>({
      {R"([])", "$: expected a batch object"},
      {R"({"events": {}})", "events: expected an array"},
      {R"({"batchId": 1, "events": []})", "batchId: expected a string or null"},
      {R"({"events": [1]})", "events[0]: expected an object"},
      {R"({"events": [{"event": []}]})", "events[0].event: expected an object"},
      {R"({"events": [{"event": {"eventId": 7}}]})",
       "events[0].event.eventId: expected a string"},
      {R"({"events": [{"event": {"eventId": null}}]})",
       "events[0].event.eventId: expected a string"},
      {R"({"events": [{"event": {"eventId": "e", "kind": true}}]})",
       "events[0].event.kind: expected a string or null"},
      {R"({"events": [{"event": {"eventId": "e", "workload": "x"}}]})",
       "events[0].event.workload: expected an object or null"},
      {R"({"events": [{"event": {"eventId": "e",
        "workload": {"imageRef": ["a"]}}}]})",
       "events[0].event.workload.imageRef: expected a string or null"},
      {R"({"events": [{"event": {"eventId": "e",
        "workload": {"owner": {"name": 3}}}}]})",
       "events[0].event.workload.owner.name: expected a string or null"},
      {R"({"events": [{}, {"event": {"eventId": "e",
        "delta": {"changedFiles": "x"}}}]})",
       "events[0].event: missing required field"},
      {R"({"events": [{"event": {"eventId": "a"}}, {"event": {"eventId": "e",
        "delta": {"changedFiles": "x"}}}]})",
       "events[1].event.delta.changedFiles: expected an array or null"},
      {R"({"events": [{"event": {"eventId": "e",
        "delta": {"changedFiles": ["a", 2]}}}]})",
       "events[0].event.delta.changedFiles[1]: expected a string"},
      {R"({"events": [{"event": {"eventId": "e",
        "delta": {"newBinaries": [{"path": 1}]}}}]})",
       "events[0].event.delta.newBinaries[0].path: expected a string or null"},
      {R"({"events": [{"event": {"eventId": "e",
        "delta": {"newBinaries": ["x"]}}}]})",
       "events[0].event.delta.newBinaries[0]: expected an object"},
      {R"({"events": [{"schemaVersion": 1, "event": {"eventId": "e"}}]})",
       "events[0].schemaVersion: expected a string or null"},
      {R"({"events": [{"event": {"kind": "drift"}}]})",
       "events[0].event.eventId: missing required field"},
      {R"({"events": [{"event": {"eventId": ""}}]})",
       "events[0].event.eventId: must not be empty"},
      {R"({"batchId": "x"})", "events: missing required field"},
  }));
  INFO(samples.body);
  auto [error, batch] = decode(samples.body);
  REQUIRE(error);
  CHECK(error.to_string() == samples.message);
  // The strict reader, which explains malformed bodies, spells the same
  // schema: it must reach the same verdict.
  simdjson::ondemand::parser parser;
  std::string body = samples.body;
  runtime_batch strict_batch;
  auto strict = detail::read_batch_strictly(parser, body, {}, strict_batch);
  CHECK(strict.to_string() == samples.message);
}

TEST_CASE("malformed JSON is rejected even inside ignored fields") {
  auto body = GENERATE(
      as<std::string>{}, R"({"events": [)", R"({"events": []} trailing)",
      R"({"events": []}{})",
      R"({"events": [{"event": {"eventId": "e", "process": {"pid": 01}}}]})",
      R"({"events": [{"event": {"eventId": "e", "process": [tru]}}]})",
      R"({"events": [{"event": {"eventId": "e", "process": nul}}]})",
      R"({"events": [{"event": {"eventId": "e", "x": "bad \q escape"}}]})",
      R"({"events": [{"event": {"eventId": "e", "x": [1 2]}}]})",
      R"({"events": [{"event": {"eventId": "e", "x": {"a" 1}}}]})",
      "{\"events\": [{\"event\": {\"eventId\": \"\xff\xfe\"}}]}", R"(not json)",
      R"()");
  INFO(body);
  auto [error, batch] = decode(body);
  REQUIRE(error);
  CHECK(error.code == decode_errc::malformed_json);
  CHECK(error.message.starts_with("malformed JSON"));
}

TEST_CASE("a broken ignored field names its path") {
  auto [error, batch] = decode(
      R"({"events":[{"event":{"eventId":"e","process":{"args":[1,-]}}}]})");
  REQUIRE(error);
  CHECK(error.code == decode_errc::malformed_json);
  CHECK(error.path == "events[0].event.process.args[1]");
}

TEST_CASE("a broken literal is called malformed, not mistyped") {
  auto [error, batch] = decode(
      R"({"events":[{"event":{"eventId":"e","posture":{"signed":tru}}}]})");
  REQUIRE(error);
  CHECK(error.to_string() ==
        "events[0].event.posture.signed: malformed JSON: invalid literal "
        "or value");
}

TEST_CASE("batches over the event limit are rejected") {
  std::string body = R"({"events":[)";
  for (int i = 0; i < 4; ++i)
    body += std::string{i ? "," : ""} + R"({"event":{"eventId":"e"}})";
  body += "]}";
  SECTION("at the limit") {
    auto [error, batch] = decode(body, decode_limits{4});
    CHECK_FALSE(error);
    CHECK(batch.events_received == 4);
  }
  SECTION("over the limit") {
    auto [error, batch] = decode(body, decode_limits{3});
    REQUIRE(error);
    CHECK(error.code == decode_errc::too_many_events);
    CHECK(error.to_string() == "events: more than 3 events in one batch");
  }
}

TEST_CASE("a decoder is reused across batches without leaking state") {
  batch_decoder decoder;
  runtime_batch batch;
  std::string first = full_drift_batch;
  REQUIRE_FALSE(decoder.decode(first, batch));
  std::string broken = R"({"events": [1]})";
  REQUIRE(decoder.decode(broken, batch));
  std::string second = R"({"events":[{"event":{"eventId":"z"}}]})";
  REQUIRE_FALSE(decoder.decode(second, batch));
  CHECK_FALSE(batch.batch_id);
  CHECK(batch.events_received == 1);
  CHECK(batch.drift_events.empty());
}
