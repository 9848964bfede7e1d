// Latencies of the requests a load test sent (batches to deltascand, scan
// submissions to the scanner), kept in logarithmic buckets like an HDR
// histogram: constant memory however long the run, every percentile within
// 1 % of the true value, and histograms of many connections merge exactly.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace deltascan::bench {

class latency_histogram {
public:
  latency_histogram();

  void record(std::chrono::nanoseconds latency);

  /// Adds every sample of `other`.
  void merge(const latency_histogram& other);

  std::uint64_t count() const { return count_; }

  /// The smallest recorded value v such that at least `percent` % of the
  /// samples are <= v, to within the bucket width (under 1 %), never above
  /// the maximum. Zero when empty.
  std::chrono::nanoseconds percentile(double percent) const;

  std::chrono::nanoseconds max() const;
  std::chrono::nanoseconds min() const;
  std::chrono::nanoseconds mean() const;

private:
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t bucket_upper(std::size_t bucket);

  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  long double sum_ = 0;
};

} // namespace deltascan::bench
