// Micro-benchmarks of deltascand's per-event work, each beside the floor it
// is judged against: decoding a batch against simdjson reading the four
// fields the rules need, digest extraction, and the cooldown decisions of a
// dedup shard with a thousand and with a million images tracked.
#include "actors/core.hpp"
#include "benchmarks/corpus.hpp"
#include "model/batch_decoder.hpp"
#include "model/cooldown_table.hpp"
#include "model/image_digest.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace deltascan;

// The default benchmark corpus: 256 events per batch, half of them drift.
const bench::corpus& default_corpus() {
  static const auto corpus = [] {
    bench::corpus_options options;
    options.batches = 64;
    return bench::make_corpus(options);
  }();
  return corpus;
}

std::size_t total_bytes(const bench::corpus& corpus) {
  std::size_t result = 0;
  for (const auto& b : corpus.batches)
    result += b.json.size();
  return result;
}

std::size_t total_events(const bench::corpus& corpus) {
  std::size_t result = 0;
  for (const auto& b : corpus.batches)
    result += b.events;
  return result;
}

// -- decoding -----------------------------------------------------------------

// deltascand's decoder: full validation of every element, drift events
// copied out.
void decode_batches(benchmark::State& state) {
  const auto& corpus = default_corpus();
  std::vector<std::string> bodies;
  for (const auto& b : corpus.batches) {
    bodies.push_back(b.json);
    bodies.back().reserve(b.json.size() + simdjson::SIMDJSON_PADDING);
  }
  batch_decoder decoder;
  runtime_batch batch;
  for (auto _ : state) {
    for (auto& body : bodies) {
      if (auto err = decoder.decode(body, batch))
        state.SkipWithError(err.to_string().c_str());
      benchmark::DoNotOptimize(batch.drift_events.data());
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(total_events(corpus)));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(total_bytes(corpus)));
  state.SetLabel(decoder.kernel_name());
}
BENCHMARK(decode_batches)->Unit(benchmark::kMillisecond);

// The parse floor: simdjson on-demand reading kind, eventId, imageRef and
// the baseline digest of every event, nothing validated beyond that.
void parse_floor(benchmark::State& state) {
  const auto& corpus = default_corpus();
  std::vector<simdjson::padded_string> bodies;
  for (const auto& b : corpus.batches)
    bodies.emplace_back(b.json);
  simdjson::ondemand::parser parser;
  std::size_t sink = 0;
  for (auto _ : state) {
    for (auto& body : bodies) {
      auto doc = parser.iterate(body);
      for (auto envelope : doc["events"]) {
        auto event = envelope["event"];
        std::string_view text;
        if (!event["eventId"].get_string().get(text))
          sink += text.size();
        if (!event["kind"].get_string().get(text))
          sink += text.size();
        if (!event["workload"]["imageRef"].get_string().get(text))
          sink += text.size();
        if (!event["delta"]["baselineImageDigest"].get_string().get(text))
          sink += text.size();
      }
    }
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(total_events(corpus)));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(total_bytes(corpus)));
}
BENCHMARK(parse_floor)->Unit(benchmark::kMillisecond);

// -- rules --------------------------------------------------------------------

void extract_digests(benchmark::State& state) {
  const auto& events = default_corpus().drift_events;
  for (auto _ : state)
    for (const auto& event : events)
      benchmark::DoNotOptimize(image_digest(event));
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(events.size()));
}
BENCHMARK(extract_digests);

// -- cooldown state -----------------------------------------------------------

std::vector<std::string> unique_digests(std::size_t count) {
  std::vector<std::string> result;
  result.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    result.push_back(bench::unique_digest(7, i));
  return result;
}

// One decision as a shard makes it: look the digest up, and record a new
// trigger when it is unknown or its cooldown has passed. The digests asked
// for are drawn from the tracked ones, so every lookup hits and walks a
// real probe chain.
void cooldown_decisions(benchmark::State& state) {
  auto tracked = static_cast<std::size_t>(state.range(0));
  auto digests = unique_digests(tracked);
  cooldown_table table;
  auto start = cooldown_table::time_point{std::chrono::seconds{1}};
  for (const auto& d : digests)
    table.record(d, start);
  // The digests asked for are copied out first: in the daemon a digest
  // comes from the batch just decoded and is hot in cache, so only the
  // table's own memory accesses should count.
  std::mt19937_64 rng{3};
  std::vector<std::string> queries;
  for (int i = 0; i < 4096; ++i)
    queries.push_back(digests[rng() % tracked]);
  auto now = start + std::chrono::seconds{10};
  auto cooldown = std::chrono::seconds{300};
  std::size_t deduped = 0;
  for (auto _ : state) {
    for (const auto& digest : queries) {
      auto last = table.last_triggered(digest);
      if (last && now - *last < cooldown)
        ++deduped;
      else
        table.record(digest, now);
    }
  }
  benchmark::DoNotOptimize(deduped);
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(queries.size()));
  state.counters["bytes_per_digest"] =
      static_cast<double>(table.memory_bytes()) /
      static_cast<double>(table.size());
}
BENCHMARK(cooldown_decisions)->Arg(1'000)->Arg(1'000'000);

// -- a whole dedup shard ------------------------------------------------------

// A transport that accepts every submission at once.
class accepting_transport final : public scanner_transport {
public:
  void submit(const scan_submission&, completion done) override {
    done(scan_outcome::success("scan", true));
  }
};

struct deterministic_config : caf::actor_system_config {
  deterministic_config() { set("scheduler.policy", caf::atom("testing")); }
};

// Batches of 256 drift events for images the shard already tracks, through
// the ingress and one dedup shard on CAF's deterministic scheduler, so the
// figure includes the actor messages but no thread hand-offs.
void shard_decisions(benchmark::State& state) {
  auto tracked = static_cast<std::size_t>(state.range(0));
  deterministic_config config;
  caf::actor_system system{config};
  auto& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());
  core_settings settings;
  settings.shards = 1;
  settings.max_in_flight = 1'000'000;
  auto options = std::make_shared<live_runtime_options>(
      runtime_options{true, std::chrono::hours{1}});
  actor_core core{system, settings, std::make_shared<accepting_transport>(),
                  options, nullptr};
  // Prefill: one batch per 256 images, each image submitted once.
  auto digests = unique_digests(tracked);
  auto make_body = [](const std::vector<std::string>& ds, std::size_t first,
                      std::size_t count, std::size_t round) {
    std::string body = R"({"events":[)";
    for (std::size_t i = 0; i < count; ++i) {
      if (i > 0)
        body += ',';
      body += R"({"event":{"eventId":"e)" + std::to_string(round) + "-" +
              std::to_string(i) + R"(","kind":"Drift",)" +
              R"("delta":{"baselineImageDigest":")" +
              ds[(first + i) % ds.size()] + R"("}}})";
    }
    return body + "]}";
  };
  auto post = [&](std::string body) {
    core.post(std::move(body), [](batch_reply) {});
    sched.run();
  };
  for (std::size_t first = 0; first < tracked; first += 256)
    post(make_body(digests, first, std::min<std::size_t>(256, tracked - first),
                   first));
  std::mt19937_64 rng{5};
  std::vector<std::string> bodies;
  for (int i = 0; i < 16; ++i)
    bodies.push_back(make_body(digests, rng() % tracked, 256, 0));
  std::size_t next = 0;
  for (auto _ : state)
    post(bodies[next++ % bodies.size()]);
  state.SetItemsProcessed(state.iterations() * 256);
  core.shutdown();
  sched.run();
}
BENCHMARK(shard_decisions)
    ->Arg(1'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

} // namespace

int main(int argc, char** argv) {
  // The shard benchmark drives real actors, which log every batch at info.
  spdlog::set_level(spdlog::level::off);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
