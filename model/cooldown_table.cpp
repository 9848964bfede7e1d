#include "model/cooldown_table.hpp"

#include <array>
#include <bit>
#include <random>

namespace deltascan {

namespace {

constexpr std::string_view sha256_prefix = "sha256:";
constexpr std::size_t min_capacity = 16;

// Nibble values of lower-case hex digits, 0xff for every other byte: every
// lookup costs one load, and a single test at the end rejects a digest with
// any bad character, instead of a branch per character.
constexpr std::array<std::uint8_t, 256> hex_values = [] {
  std::array<std::uint8_t, 256> table{};
  table.fill(0xff);
  for (int c = '0'; c <= '9'; ++c)
    table[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c)
    table[static_cast<std::size_t>(c)] =
        static_cast<std::uint8_t>(c - 'a' + 10);
  return table;
}();

// Digests come from observers' events, so an attacker could pick them to
// collide; a per-process secret in the hash keeps probe chains short.
std::uint64_t hash_seed() {
  static const std::uint64_t seed = [] {
    std::random_device entropy;
    return (static_cast<std::uint64_t>(entropy()) << 32) ^ entropy();
  }();
  return seed;
}

std::int64_t to_ticks(cooldown_table::time_point t) {
  return t.time_since_epoch().count();
}

cooldown_table::time_point from_ticks(std::int64_t ticks) {
  return cooldown_table::time_point{cooldown_table::clock::duration{ticks}};
}

} // namespace

std::optional<cooldown_table::packed_digest>
cooldown_table::pack(std::string_view digest) {
  if (digest.size() != sha256_prefix.size() + 64 ||
      !digest.starts_with(sha256_prefix))
    return std::nullopt;
  digest.remove_prefix(sha256_prefix.size());
  packed_digest result{};
  std::uint8_t invalid = 0;
  for (std::size_t word = 0; word < result.size(); ++word) {
    std::uint64_t bits = 0;
    for (std::size_t i = word * 16; i < word * 16 + 16; ++i) {
      auto nibble = hex_values[static_cast<unsigned char>(digest[i])];
      invalid |= nibble;
      bits = (bits << 4) | (nibble & 0x0f);
    }
    result[word] = bits;
  }
  // Valid nibbles stay below 16, so only a bad character sets a high bit.
  if ((invalid & 0xf0) != 0)
    return std::nullopt;
  return result;
}

std::size_t cooldown_table::home(const packed_digest& key) const {
  auto h = (key[0] ^ hash_seed()) * 0x9e3779b97f4a7c15ULL;
  h ^= key[1] + (h >> 29);
  h *= 0xbf58476d1ce4e5b9ULL;
  return static_cast<std::size_t>(h ^ (h >> 32)) & (slots_.size() - 1);
}

std::size_t cooldown_table::find(const packed_digest& key) const {
  if (slots_.empty())
    return slots_.size();
  auto mask = slots_.size() - 1;
  for (auto i = home(key);; i = (i + 1) & mask) {
    const auto& s = slots_[i];
    if (s.ticks == empty_slot)
      return slots_.size();
    if (s.key == key)
      return i;
  }
}

std::optional<cooldown_table::time_point>
cooldown_table::last_triggered(std::string_view digest) const {
  if (auto key = pack(digest)) {
    auto i = find(*key);
    if (i == slots_.size())
      return std::nullopt;
    return from_ticks(slots_[i].ticks);
  }
  auto i = other_.find(std::string{digest});
  if (i == other_.end())
    return std::nullopt;
  return i->second;
}

void cooldown_table::record(std::string_view digest, time_point when) {
  auto key = pack(digest);
  if (!key) {
    other_[std::string{digest}] = when;
    return;
  }
  if (auto i = find(*key); i != slots_.size()) {
    slots_[i].ticks = to_ticks(when);
    return;
  }
  insert_new(*key, to_ticks(when));
}

void cooldown_table::insert_new(const packed_digest& key, std::int64_t ticks) {
  // Linear probing stays fast up to a load of 7/8; at that load a slot of
  // 40 bytes costs under 96 bytes per tracked digest even right after the
  // table doubled.
  if ((packed_size_ + 1) * 8 > slots_.size() * 7)
    grow();
  auto mask = slots_.size() - 1;
  auto i = home(key);
  while (slots_[i].ticks != empty_slot)
    i = (i + 1) & mask;
  slots_[i] = slot{key, ticks};
  ++packed_size_;
}

void cooldown_table::grow() {
  auto old = std::move(slots_);
  auto capacity = std::max(min_capacity, old.size() * 2);
  slots_.assign(capacity, slot{{}, empty_slot});
  packed_size_ = 0;
  for (const auto& s : old)
    if (s.ticks != empty_slot)
      insert_new(s.key, s.ticks);
}

void cooldown_table::erase_at(std::size_t index) {
  // Backward-shift deletion: later members of the probe chain move into the
  // hole, so lookups never need tombstones.
  auto mask = slots_.size() - 1;
  auto hole = index;
  for (auto j = (hole + 1) & mask; slots_[j].ticks != empty_slot;
       j = (j + 1) & mask) {
    auto want = home(slots_[j].key);
    // The entry at j may fill the hole unless its home lies cyclically
    // after the hole and at or before j.
    bool stays =
        hole <= j ? (want > hole && want <= j) : (want > hole || want <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole].ticks = empty_slot;
  --packed_size_;
}

std::size_t cooldown_table::purge(time_point now, clock::duration horizon) {
  auto cutoff = to_ticks(now - horizon);
  auto before = size();
  for (std::size_t i = 0; i < slots_.size();) {
    // An erase may move a later entry into slot i, so i is looked at again.
    if (slots_[i].ticks != empty_slot && slots_[i].ticks <= cutoff)
      erase_at(i);
    else
      ++i;
  }
  std::erase_if(other_, [&](const auto& entry) {
    return to_ticks(entry.second) <= cutoff;
  });
  // Give memory back after a burst of unique images has expired.
  if (slots_.size() > min_capacity && packed_size_ * 8 < slots_.size()) {
    auto old = std::move(slots_);
    auto capacity =
        std::max(min_capacity, std::bit_ceil(packed_size_ * 8 / 7 + 1));
    slots_.assign(capacity, slot{{}, empty_slot});
    packed_size_ = 0;
    for (const auto& s : old)
      if (s.ticks != empty_slot)
        insert_new(s.key, s.ticks);
  }
  return before - size();
}

std::size_t cooldown_table::size() const {
  return packed_size_ + other_.size();
}

std::size_t cooldown_table::memory_bytes() const {
  // The fallback map's nodes are estimated: a node with its key's buffer
  // and a bucket pointer each.
  std::size_t other = other_.bucket_count() * sizeof(void*);
  for (const auto& [key, when] : other_)
    other += sizeof(std::pair<const std::string, time_point>) +
             2 * sizeof(void*) + key.capacity();
  return slots_.capacity() * sizeof(slot) + other;
}

} // namespace deltascan
