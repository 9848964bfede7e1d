// When each image last had a scan triggered: the state behind the cooldown.
// A shard may track a million images, so the common digest form,
// `sha256:` and 64 hex digits, is stored as its 32 raw bytes in a flat
// open-addressing table (40 bytes a slot, no per-entry allocation); any other
// digest spelling falls back to an ordinary map.
#pragma once

#include "model/huge_page_allocator.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace deltascan {

class cooldown_table {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// When a scan was last triggered for `digest`, if it is tracked.
  std::optional<time_point> last_triggered(std::string_view digest) const;

  /// Remembers that a scan for `digest` was triggered at `when`.
  void record(std::string_view digest, time_point when);

  /// Forgets every digest triggered at least `horizon` before `now`;
  /// returns how many were forgotten.
  std::size_t purge(time_point now, clock::duration horizon);

  /// Digests tracked.
  std::size_t size() const;

  /// Bytes the table holds on the heap, for metrics and benchmarks.
  std::size_t memory_bytes() const;

private:
  using packed_digest = std::array<std::uint64_t, 4>;

  struct slot {
    packed_digest key;
    /// Trigger time in clock ticks; `empty_slot` marks a free slot.
    std::int64_t ticks;
  };

  static constexpr std::int64_t empty_slot = INT64_MIN;

  static std::optional<packed_digest> pack(std::string_view digest);
  std::size_t home(const packed_digest& key) const;
  std::size_t find(const packed_digest& key) const;
  void insert_new(const packed_digest& key, std::int64_t ticks);
  void erase_at(std::size_t index);
  void grow();

  std::vector<slot, huge_page_allocator<slot>> slots_;
  std::size_t packed_size_ = 0;
  std::unordered_map<std::string, time_point> other_;
};

} // namespace deltascan
