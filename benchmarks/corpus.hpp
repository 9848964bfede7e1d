// The runtime event batches the benchmarks post to deltascand and its floors:
// realistic events of every kind, about 1.4 KB each, a chosen share of them
// drift events whose image digests follow a Zipf popularity (so the cooldown
// sees hot and cold images) or are never repeated (so every drift event
// costs a scan submission). The same options always give the same bytes, on
// any standard library, so runs on different machines compare.
#pragma once

#include "model/drift_event.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deltascan::bench {

struct corpus_options {
  std::size_t events_per_batch = 256;
  /// Share of drift events in each batch, rounded to a whole count per batch.
  double drift_fraction = 0.5;
  /// How many images the events are about in the Zipf mode.
  std::size_t distinct_digests = 1000;
  /// Exponent of the Zipf popularity: image k is drawn with weight 1/k^s.
  double zipf_exponent = 1.0;
  std::size_t batches = 16;
  std::uint64_t seed = 1;
  /// Every drift event reports an image no other drift event (of this seed)
  /// reports; other events still follow the Zipf popularity.
  bool unique_digests = false;
  /// Index of the first unique digest: corpora of one seed whose index ranges
  /// do not overlap share no digest.
  std::uint64_t first_unique_index = 0;
};

/// Where one drift event's image digest is written in a body: the byte
/// offsets of each copy of its 64 hex digits (the image reference, the
/// baseline digest, ...), so a load generator can write a fresh digest in
/// place without re-encoding the body.
struct digest_use {
  /// `sha256:<64 hex>` as generated.
  std::string digest;
  std::vector<std::size_t> hex_offsets;
};

/// One HTTP request body and what it carries.
struct request_body {
  std::string json;
  std::size_t events = 0;
  std::size_t drift_events = 0;
  /// One entry per drift event, in body order.
  std::vector<digest_use> digests;
};

struct corpus {
  std::vector<request_body> batches;
  /// The drift events as deltascand decodes them, in corpus order.
  std::vector<drift_event> drift_events;
  /// The distinct image digests of the drift events, in order of first use.
  std::vector<std::string> drift_digests;
  /// The unique index after the last one used (`first_unique_index` when
  /// the corpus is not in unique mode).
  std::uint64_t next_unique_index = 0;
};

/// Builds the batches: `{"batchId": ..., "events": [envelope, ...]}` with
/// envelopes `{"schemaVersion":"zastava.runtime.event@v1","event":{...}}`.
corpus make_corpus(const corpus_options& options);

/// Only the batch bodies of `make_corpus`.
std::vector<std::string> make_batches(const corpus_options& options);

/// One scan submission body per drift event of the corpus, exactly as
/// deltascand would send it to the scanner's `POST /api/v1/scans`.
std::vector<request_body> make_scan_bodies(const corpus_options& options);

/// The same, for the drift events of an already built corpus.
std::vector<request_body> make_scan_bodies(const corpus& source);

/// `sha256:<64 hex>` of the image ranked `rank` (0 = most popular) in the
/// Zipf mode of `seed`.
std::string popular_digest(std::uint64_t seed, std::uint64_t rank);

/// `sha256:<64 hex>` of unique image `index` of `seed`; different indices
/// give different digests, none equal to a popular digest of the seed.
std::string unique_digest(std::uint64_t seed, std::uint64_t index);

/// Overwrites the digests of `uses` in `json` (a copy of the body they were
/// recorded for) with unique digests `first_index`, `first_index + 1`, ...
/// and returns the index after the last one written.
std::uint64_t write_unique_digests(std::string& json,
                                   const std::vector<digest_use>& uses,
                                   std::uint64_t seed,
                                   std::uint64_t first_index);

} // namespace deltascan::bench
