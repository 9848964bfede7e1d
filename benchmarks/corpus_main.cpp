// deltascan-corpus: writes the benchmark corpus to files, so a run can be
// replayed by other tools (curl, wrk, deltascan-loadgen --body-lines) and
// the drift digests a run will submit are known in advance.
#include "benchmarks/corpus.hpp"
#include "benchmarks/corpus_flags.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace deltascan::bench;

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  return static_cast<bool>(out);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes runtime event batches (or scan submissions) of the "
               "benchmark corpus to files"};
  std::string out_dir;
  std::string jsonl;
  std::string digests_path;
  bool scanner_bodies = false;
  corpus_options options;
  auto* dir_option = app.add_option(
      "--out-dir", out_dir, "write one body per file: DIR/body-NNNNNN.json");
  auto* lines_option = app.add_option(
      "--jsonl", jsonl, "write one body per line to this file (- for stdout)");
  dir_option->excludes(lines_option);
  app.add_option("--digests", digests_path,
                 "write the distinct drift digests here, one per line");
  app.add_flag("--scanner-bodies", scanner_bodies,
               "write scan submission bodies, one per drift event");
  add_corpus_flags(app, options);
  CLI11_PARSE(app, argc, argv);
  if (out_dir.empty() && jsonl.empty() && digests_path.empty()) {
    std::cerr << "deltascan-corpus: nothing to write: give --out-dir, "
                 "--jsonl or --digests\n";
    return 2;
  }

  auto built = make_corpus(options);
  auto bodies = scanner_bodies ? make_scan_bodies(built) : built.batches;
  if (!out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "body-%06zu.json", i);
      if (!write_file(std::filesystem::path{out_dir} / name, bodies[i].json)) {
        std::cerr << "deltascan-corpus: cannot write into " << out_dir << "\n";
        return 1;
      }
    }
  }
  if (!jsonl.empty()) {
    std::ofstream file;
    if (jsonl != "-")
      file.open(jsonl, std::ios::binary | std::ios::trunc);
    std::ostream& out = jsonl == "-" ? std::cout : file;
    for (const auto& body : bodies)
      out << body.json << '\n';
    out.flush();
    if (!out) {
      std::cerr << "deltascan-corpus: cannot write " << jsonl << "\n";
      return 1;
    }
  }
  if (!digests_path.empty()) {
    std::string text;
    for (const auto& digest : built.drift_digests)
      text += digest + "\n";
    if (!write_file(digests_path, text)) {
      std::cerr << "deltascan-corpus: cannot write " << digests_path << "\n";
      return 1;
    }
  }
  std::size_t events = 0;
  std::size_t bytes = 0;
  for (const auto& body : built.batches) {
    events += body.events;
    bytes += body.json.size();
  }
  std::fprintf(stderr,
               "deltascan-corpus: %zu bodies written; corpus of %zu events "
               "(%zu drift, %.0f bytes per event), %zu distinct drift "
               "digests, next unique index %llu\n",
               bodies.size(), events, built.drift_events.size(),
               events ? static_cast<double>(bytes) / events : 0.0,
               built.drift_digests.size(),
               static_cast<unsigned long long>(built.next_unique_index));
  return 0;
}
