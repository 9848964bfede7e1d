// deltascan-parse-floor: the fastest deltascand could ever read runtime
// event batches on one core. simdjson's on-demand parser alone, one reused
// parser, bodies already in memory and padded, reading only what the drift
// rule needs from each event (kind, eventId, workload.imageRef,
// delta.baselineImageDigest), over the same corpus the load tests post.
#include "benchmarks/corpus.hpp"
#include "benchmarks/corpus_flags.hpp"

#include <CLI/CLI.hpp>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

#define DELTASCAN_STRINGIFY_IMPL(x) #x
#define DELTASCAN_STRINGIFY(x) DELTASCAN_STRINGIFY_IMPL(x)

// The on-demand parser is compiled into this file for the instruction set
// this file is compiled for. simdjson::builtin_implementation() cannot tell
// which that is: it lives in the shared library and reports the library's
// own compile-time choice.
constexpr const char* ondemand_kernel =
    DELTASCAN_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);

using clock_type = std::chrono::steady_clock;

/// Where the compiler must assume the lengths read are used, so it cannot
/// drop the reads.
volatile std::size_t sink = 0;

/// Reads the four fields of every event of one batch; returns the number of
/// events, or sets `error`.
std::size_t read_batch(simdjson::ondemand::parser& parser, std::string& body,
                       simdjson::error_code& error) {
  simdjson::ondemand::document doc;
  if ((error = parser.iterate(body).get(doc)))
    return 0;
  simdjson::ondemand::array envelopes;
  if ((error = doc["events"].get_array().get(envelopes)))
    return 0;
  std::size_t events = 0;
  std::size_t lengths = 0;
  for (auto envelope : envelopes) {
    simdjson::ondemand::object event;
    if ((error = envelope["event"].get_object().get(event)))
      return events;
    std::string_view text;
    if ((error = event["eventId"].get_string().get(text)))
      return events;
    lengths += text.size();
    if ((error = event["kind"].get_string().get(text)))
      return events;
    lengths += text.size();
    if ((error = event["workload"]["imageRef"].get_string().get(text)))
      return events;
    lengths += text.size();
    // Only drift events carry a delta: its absence is the common case.
    auto baseline = event["delta"]["baselineImageDigest"].get_string();
    if ((error = baseline.error()) == simdjson::NO_SUCH_FIELD)
      error = simdjson::SUCCESS;
    else if (error)
      return events;
    else
      lengths += baseline.value_unsafe().size();
    ++events;
  }
  sink = sink + lengths;
  return events;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"simdjson on-demand alone over the benchmark corpus: the "
               "parsing floor"};
  double duration_s = 5;
  double warmup_s = 1;
  std::string json_path;
  deltascan::bench::corpus_options corpus;
  app.add_option("--duration", duration_s, "measured seconds")
      ->check(CLI::Range(0.001, 86'400.0))
      ->capture_default_str();
  app.add_option("--warmup", warmup_s, "seconds parsed before measuring")
      ->check(CLI::Range(0.0, 86'400.0))
      ->capture_default_str();
  app.add_option("--json", json_path,
                 "write the JSON report here (- for "
                 "stdout; the table then goes to stderr)");
  deltascan::bench::add_corpus_flags(app, corpus);
  CLI11_PARSE(app, argc, argv);

  std::ostream& table_out = json_path == "-" ? std::cerr : std::cout;
  auto bodies = deltascan::bench::make_batches(corpus);
  for (auto& body : bodies)
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);

  simdjson::ondemand::parser parser;
  std::size_t events = 0;
  std::size_t bytes = 0;
  auto run = [&](double seconds) {
    events = 0;
    bytes = 0;
    auto start = clock_type::now();
    auto end = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>{seconds});
    auto now = start;
    std::size_t next = 0;
    while (now < end) {
      auto& body = bodies[next];
      next = (next + 1) % bodies.size();
      simdjson::error_code error = simdjson::SUCCESS;
      events += read_batch(parser, body, error);
      if (error) {
        std::cerr << "deltascan-parse-floor: cannot read a batch: "
                  << simdjson::error_message(error) << "\n";
        return -1.0;
      }
      bytes += body.size();
      now = clock_type::now();
    }
    return std::chrono::duration<double>(now - start).count();
  };
  if (warmup_s > 0 && run(warmup_s) < 0)
    return 1;
  auto elapsed = run(duration_s);
  if (elapsed < 0)
    return 1;

  auto events_per_s = static_cast<double>(events) / elapsed;
  auto bytes_per_s = static_cast<double>(bytes) / elapsed;
  std::string library_builtin = simdjson::builtin_implementation()->name();
  std::string active = simdjson::get_active_implementation()->name();
  char line[512];
  std::snprintf(line, sizeof line,
                "simdjson    on-demand kernel %s (library builtin %s, "
                "runtime-selected %s)\n"
                "corpus      %zu batches of %zu events\n"
                "parsed      %zu events in %.3f s\n"
                "rate        %.0f events/s, %.1f MB/s\n",
                ondemand_kernel, library_builtin.c_str(), active.c_str(),
                bodies.size(), corpus.events_per_batch, events, elapsed,
                events_per_s, bytes_per_s / 1e6);
  table_out << line << std::flush;
  char json[512];
  std::snprintf(json, sizeof json,
                "{\"events_per_s\":%.3f,\"bytes_per_s\":%.3f,\"events\":%zu,"
                "\"duration_s\":%.3f,\"simdjson_implementation\":\"%s\","
                "\"simdjson_library_builtin\":\"%s\","
                "\"simdjson_active_implementation\":\"%s\"}\n",
                events_per_s, bytes_per_s, events, elapsed, ondemand_kernel,
                library_builtin.c_str(), active.c_str());
  if (json_path == "-") {
    std::cout << json << std::flush;
  } else if (!json_path.empty()) {
    std::ofstream out{json_path, std::ios::binary | std::ios::trunc};
    out << json;
    if (!out) {
      std::cerr << "deltascan-parse-floor: cannot write " << json_path << "\n";
      return 1;
    }
  }
  return 0;
}
