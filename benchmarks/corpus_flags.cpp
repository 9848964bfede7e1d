// Flags of the benchmark corpus, one definition for every tool.
#include "benchmarks/corpus_flags.hpp"

namespace deltascan::bench {

void add_corpus_flags(CLI::App& app, corpus_options& options) {
  const std::string group = "Corpus";
  app.add_option("--events-per-batch", options.events_per_batch,
                 "runtime events in each batch")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str()
      ->group(group);
  app.add_option("--drift-fraction", options.drift_fraction,
                 "share of drift events in each batch")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str()
      ->group(group);
  app.add_option("--distinct-digests", options.distinct_digests,
                 "images the events are about (Zipf popularity)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}))
      ->capture_default_str()
      ->group(group);
  app.add_option("--zipf-exponent", options.zipf_exponent,
                 "exponent s of the popularity: weight 1/rank^s")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str()
      ->group(group);
  app.add_option("--batches", options.batches, "distinct batch bodies")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
      ->capture_default_str()
      ->group(group);
  app.add_option("--seed", options.seed, "seed of every draw")
      ->capture_default_str()
      ->group(group);
  app.add_flag("--unique", options.unique_digests,
               "every drift event reports a never-used image digest")
      ->group(group);
  app.add_option("--first-unique-index", options.first_unique_index,
                 "first unique digest index (disjoint ranges share none)")
      ->capture_default_str()
      ->group(group);
}

} // namespace deltascan::bench
