// What deltascand did with one batch: the counts the observer gets back and
// the metrics add up. triggered + skipped + deduped always equals the drift
// events detected; other events never count.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace deltascan {

/// How the drift events of one batch, or of one shard's share of it, ended.
struct drift_counts {
  std::size_t triggered = 0;
  std::size_t skipped = 0;
  std::size_t deduped = 0;

  std::size_t total() const { return triggered + skipped + deduped; }

  drift_counts& operator+=(const drift_counts& other) {
    triggered += other.triggered;
    skipped += other.skipped;
    deduped += other.deduped;
    return *this;
  }

  friend bool operator==(const drift_counts&, const drift_counts&) = default;
};

struct batch_result {
  std::optional<std::string> batch_id;
  std::size_t events_received = 0;
  std::size_t drift_events_detected = 0;
  drift_counts counts;

  friend bool operator==(const batch_result&, const batch_result&) = default;
};

} // namespace deltascan
