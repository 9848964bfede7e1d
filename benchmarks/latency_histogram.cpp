// Bucket layout: values below 128 ns have a bucket each; above, every power
// of two is split into 128 equal buckets, so a bucket is never wider than
// 1/128 of its values. 64-bit nanoseconds need 57 * 128 buckets.
#include "benchmarks/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace deltascan::bench {

namespace {

constexpr unsigned sub_bits = 7;
constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bits;
constexpr std::size_t bucket_count = (64 - sub_bits + 1) * sub_count;

} // namespace

latency_histogram::latency_histogram() : buckets_(bucket_count, 0) {
  // nop
}

std::size_t latency_histogram::bucket_of(std::uint64_t value) {
  if (value < sub_count)
    return static_cast<std::size_t>(value);
  auto exponent = static_cast<unsigned>(std::bit_width(value)) - 1;
  auto shift = exponent - sub_bits;
  auto sub = (value >> shift) - sub_count;
  return static_cast<std::size_t>(sub_count + shift * sub_count + sub);
}

std::uint64_t latency_histogram::bucket_upper(std::size_t bucket) {
  if (bucket < sub_count)
    return bucket;
  auto shift = (bucket - sub_count) / sub_count;
  auto sub = (bucket - sub_count) % sub_count;
  auto lower = (sub_count + sub) << shift;
  return lower + ((std::uint64_t{1} << shift) - 1);
}

void latency_histogram::record(std::chrono::nanoseconds latency) {
  auto value =
      static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  ++buckets_[bucket_of(value)];
  ++count_;
  max_ = std::max(max_, value);
  min_ = std::min(min_, value);
  sum_ += static_cast<long double>(value);
}

void latency_histogram::merge(const latency_histogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
  sum_ += other.sum_;
}

std::chrono::nanoseconds latency_histogram::percentile(double percent) const {
  if (count_ == 0)
    return std::chrono::nanoseconds{0};
  auto share = std::clamp(percent, 0.0, 100.0) / 100.0;
  auto rank = static_cast<std::uint64_t>(
      std::ceil(share * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      auto value = std::clamp(bucket_upper(i), min_, max_);
      return std::chrono::nanoseconds{static_cast<std::int64_t>(value)};
    }
  }
  return max();
}

std::chrono::nanoseconds latency_histogram::max() const {
  return std::chrono::nanoseconds{static_cast<std::int64_t>(max_)};
}

std::chrono::nanoseconds latency_histogram::min() const {
  if (count_ == 0)
    return std::chrono::nanoseconds{0};
  return std::chrono::nanoseconds{static_cast<std::int64_t>(min_)};
}

std::chrono::nanoseconds latency_histogram::mean() const {
  if (count_ == 0)
    return std::chrono::nanoseconds{0};
  return std::chrono::nanoseconds{
      static_cast<std::int64_t>(sum_ / static_cast<long double>(count_))};
}

} // namespace deltascan::bench
