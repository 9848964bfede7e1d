// The coordinator client: the one place scan submissions leave the actor
// core. It bounds how many attempts are at the scanner at once and queues
// the rest in arrival order, retries failures the scanner may recover from
// (with backoff, never past the batch's deadline), and keeps a circuit
// breaker so that a scanner that is down costs one probe, not a retry storm.
// Transport completions arrive on foreign threads and come back as actor
// messages.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/scanner_transport.hpp"
#include "model/circuit_breaker.hpp"
#include "model/retry_policy.hpp"

#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/logger.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace deltascan {

class core_metrics;

struct scan_coordinator_settings {
  /// Attempts at the transport at most at once; at least 1.
  std::size_t max_in_flight = 64;
  retry_policy retry;
  breaker_policy breaker;
  /// Seeds the backoff jitter; tests fix it to get the same waits each run.
  std::uint64_t jitter_seed = std::random_device{}();
};

struct scan_coordinator_state {
  static inline const char* name = "scan-coordinator";

  using time_point = caf::actor_clock::time_point;

  using deadline_index = std::multimap<time_point, std::uint64_t>;

  /// One submission, from its arrival until its final outcome.
  struct submission_entry {
    scan_request request;
    caf::typed_response_promise<scan_outcome> promise;
    time_point arrived;
    /// When its first attempt started; set by the first attempt.
    std::optional<time_point> first_attempt{};
    std::size_t attempts = 0;
    /// The attempt at the transport now, if one is.
    std::optional<std::uint64_t> attempt_out{};
    /// Its place in `deadlines`, to drop it there when it resolves.
    deadline_index::iterator deadline_pos{};
  };

  /// One attempt at the transport.
  struct attempt_entry {
    std::uint64_t submission;
    /// The breaker's generation when the attempt started: its outcome only
    /// counts for the breaker while that generation lasts.
    std::uint64_t breaker_generation;
  };

  /// An attempt still at the transport after its submission was resolved at
  /// the deadline. Until it completes, a new submission for its digest
  /// waits for its outcome instead of asking the scanner a second time.
  struct abandoned_attempt {
    std::string image_digest;
    /// Submissions for the same digest, oldest first.
    std::vector<std::uint64_t> waiting;
  };

  scan_coordinator_settings settings;
  scanner_transport_ptr transport;
  /// Cached: looking a logger up by name takes spdlog's registry lock.
  std::shared_ptr<spdlog::logger> log;
  core_metrics* metrics = nullptr;
  circuit_breaker breaker;
  std::mt19937_64 jitter;
  std::uint64_t next_id = 1;
  /// Submissions not yet resolved, by id.
  std::unordered_map<std::uint64_t, submission_entry> submissions;
  /// Submissions waiting for an attempt slot, oldest first. Ids of
  /// submissions resolved meanwhile (deadline) are skipped when popped.
  std::deque<std::uint64_t> ready;
  /// Attempts at the transport: attempt id -> submission id. An attempt
  /// keeps its slot until the transport completes it, even when its
  /// submission was resolved at the deadline, so the transport never holds
  /// more than `max_in_flight`.
  std::unordered_map<std::uint64_t, attempt_entry> attempts;
  /// Abandoned attempts by attempt id, and their ids by digest.
  std::unordered_map<std::uint64_t, abandoned_attempt> abandoned;
  std::unordered_map<std::string, std::uint64_t> abandoned_by_digest;
  /// Unresolved submissions by deadline, so one timer serves them all.
  deadline_index deadlines;
  /// The deadline the pending deadline timer fires at, if one is armed.
  std::optional<time_point> deadline_timer;
};

using scan_coordinator_stateful_actor =
    scan_coordinator_actor::stateful_pointer<scan_coordinator_state>;

/// `metrics` may be null in tests.
scan_coordinator_actor::behavior_type
scan_coordinator(scan_coordinator_stateful_actor self,
                 scanner_transport_ptr transport,
                 scan_coordinator_settings settings, core_metrics* metrics);

} // namespace deltascan
