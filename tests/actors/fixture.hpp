// Runs the actor core on CAF's deterministic test coordinator: messages are
// processed only when the test runs the scheduler, and time moves only when
// the test advances it. No sleeps, no threads of our own.
#pragma once

#include "actors/core.hpp"
#include "actors/core_metrics.hpp"
#include "actors/errors.hpp"
#include "tests/actors/fake_transport.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace deltascan::test {

struct deterministic_config : caf::actor_system_config {
  deterministic_config() { set("scheduler.policy", caf::atom("testing")); }
};

/// A batch reply: the result, or the error the ingress answered with.
using reply = std::variant<batch_result, caf::error>;

class core_fixture {
public:
  explicit core_fixture(core_settings settings = default_settings(),
                        runtime_options options = {})
      : system_{config_},
        sched_{dynamic_cast<caf::scheduler::test_coordinator&>(
            system_.scheduler())},
        self_{system_, true}, transport_{std::make_shared<fake_transport>()},
        options_{std::make_shared<live_runtime_options>(options)},
        metrics_{registry_, settings.shards}, core_{system_, settings,
                                                    transport_, options_,
                                                    &metrics_} {
    sched_.run();
  }

  ~core_fixture() {
    core_.shutdown();
    sched_.run();
  }

  static core_settings default_settings() {
    core_settings result;
    result.shards = 3;
    result.purge_interval = std::chrono::seconds{60};
    result.max_in_flight = 64;
    result.batch_deadline = std::chrono::seconds{60};
    result.retry.max_attempts = 1;
    result.breaker.failures = 0;
    result.jitter_seed = 42;
    return result;
  }

  /// Posts a batch without running the scheduler; collect with `await`.
  struct pending_reply {
    std::shared_ptr<std::optional<reply>> slot;
  };

  pending_reply post(std::string body) {
    pending_reply result{std::make_shared<std::optional<reply>>()};
    auto slot = result.slot;
    // A hidden helper actor receives the reply, so several batches can be
    // in flight at once, as they are behind the HTTP server.
    // The state goes in as spawn arguments: CAF 0.17 dereferences a null
    // argument tuple when a function actor takes none, which UBSan reports.
    system_.spawn(
        [](caf::event_based_actor* s, std::string body,
           std::shared_ptr<std::optional<reply>> slot, ingress_actor target) {
          s->request(target, caf::infinite, ingest_atom::value, body)
              .then([slot](batch_result& r) { *slot = r; },
                    [slot](caf::error& err) { *slot = err; });
        },
        std::move(body), slot, core_.next_ingress());
    return result;
  }

  /// Runs the scheduler until idle and returns the batch's reply, if any.
  std::optional<reply> await(const pending_reply& pending) {
    sched_.run();
    return *pending.slot;
  }

  /// Posts a batch, runs until idle, and requires a result.
  batch_result process(std::string body) {
    auto r = await(post(std::move(body)));
    REQUIRE(r.has_value());
    REQUIRE(std::holds_alternative<batch_result>(*r));
    return std::get<batch_result>(*r);
  }

  /// Advances simulated time in steps no longer than `step`, running the
  /// scheduler after each, so periodic timers fire as often as they would.
  void advance(caf::timespan total,
               caf::timespan step = std::chrono::seconds{1}) {
    while (total.count() > 0) {
      auto d = std::min(total, step);
      sched_.advance_time(d);
      sched_.run();
      total -= d;
    }
  }

  void run() { sched_.run(); }

  const ingress_actor& ingress() { return core_.next_ingress(); }

  actor_core& core() { return core_; }

  fake_transport& transport() { return *transport_; }

  live_runtime_options& options() { return *options_; }

  core_metrics& metrics() { return metrics_; }

  /// The value of the counter or gauge `name` whose labels include
  /// `label` = `value` (any series when `label` is empty); -1 if none.
  double metric(const std::string& name, const std::string& label = "",
                const std::string& value = "") {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name)
        continue;
      for (const auto& m : family.metric) {
        bool match = label.empty();
        for (const auto& l : m.label)
          match = match || (l.name == label && l.value == value);
        if (!match)
          continue;
        if (family.type == prometheus::MetricType::Counter)
          return m.counter.value;
        if (family.type == prometheus::MetricType::Gauge)
          return m.gauge.value;
        if (family.type == prometheus::MetricType::Histogram)
          return static_cast<double>(m.histogram.sample_count);
      }
    }
    return -1;
  }

  double tracked_digests() const {
    double total = 0;
    for (auto* g : metrics_.tracked_digests)
      total += g->Value();
    return total;
  }

private:
  deterministic_config config_;
  caf::actor_system system_;
  caf::scheduler::test_coordinator& sched_;
  caf::scoped_actor self_;
  std::shared_ptr<fake_transport> transport_;
  live_runtime_options_ptr options_;
  prometheus::Registry registry_;
  core_metrics metrics_;
  actor_core core_;
};

/// A drift event envelope for a batch body.
inline std::string drift(const std::string& id, const std::string& digest,
                         const std::string& extra = "") {
  return R"({"event":{"eventId":")" + id +
         R"(","kind":"Drift","tenant":"t","node":"n",)"
         R"("workload":{"imageRef":"registry/app@)" +
         digest + R"("},"delta":{"baselineImageDigest":)" +
         (digest.empty() ? std::string{"null"} : "\"" + digest + "\"") +
         R"(,"changedFiles":["/bin/x"]})" + extra + "}}";
}

/// A non-drift event envelope.
inline std::string start_event(const std::string& id) {
  return R"({"event":{"eventId":")" + id + R"(","kind":"ContainerStart"}})";
}

/// A batch body from envelopes.
inline std::string batch(std::initializer_list<std::string> envelopes,
                         const std::string& id = "b") {
  std::string result = R"({"batchId":")" + id + R"(","events":[)";
  bool first = true;
  for (const auto& e : envelopes) {
    if (!first)
      result += ',';
    first = false;
    result += e;
  }
  return result + "]}";
}

inline scan_outcome ok(const std::string& id = "scan-1") {
  return scan_outcome::success(id, true);
}

inline scan_outcome failed() {
  return scan_outcome::failure("scanner answered 500");
}

} // namespace deltascan::test
