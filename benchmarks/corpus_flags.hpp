// The command-line flags that choose a benchmark corpus (batch size, share
// of drift events, image popularity, seed, unique images), shared by every
// tool so one set of flags names one corpus everywhere.
#pragma once

#include "benchmarks/corpus.hpp"

#include <CLI/CLI.hpp>

namespace deltascan::bench {

/// Adds `--events-per-batch --drift-fraction --distinct-digests
/// --zipf-exponent --batches --seed --unique --first-unique-index`, writing
/// into `options` (whose current values are the defaults shown).
void add_corpus_flags(CLI::App& app, corpus_options& options);

} // namespace deltascan::bench
