// deltascan-loadgen: posts runtime event batches to deltascand (or to a
// floor, or scan submissions to the scanner) over keep-alive connections,
// for a bounded time or number of requests, and reports requests, events and
// drift events per second, latency percentiles and errors, as a table and as
// JSON for the scripts that compare deltascand against its floors.
#include "benchmarks/corpus.hpp"
#include "benchmarks/corpus_flags.hpp"
#include "benchmarks/host_port.hpp"
#include "benchmarks/loadgen_connection.hpp"
#include "benchmarks/loadgen_report.hpp"
#include "benchmarks/loadgen_schedule.hpp"
#include "model/batch_decoder.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace deltascan::bench;

/// A body read from a file; its events are counted by decoding it the way
/// deltascand does, so events/s stays meaningful for hand-written batches.
request_body body_from_text(std::string text) {
  request_body body;
  deltascan::runtime_batch batch;
  deltascan::batch_decoder decoder{deltascan::decode_limits{SIZE_MAX}};
  auto copy = text;
  if (!decoder.decode(copy, batch)) {
    body.events = batch.events_received;
    body.drift_events = batch.drift_events.size();
  }
  body.json = std::move(text);
  return body;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  return static_cast<bool>(out);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Posts runtime event batches (or scan submissions) to an HTTP "
               "endpoint and measures throughput and latency"};
  std::string target;
  std::string path = "/api/v1/runtime/events";
  std::string content_type = "application/json";
  std::size_t connections = 16;
  unsigned threads = 1;
  double duration_s = 10;
  double warmup_s = 2;
  std::uint64_t request_limit = 0;
  double rate = 0;
  double timeout_s = 10;
  bool parse_replies = false;
  bool scanner_bodies = false;
  std::vector<std::string> body_files;
  std::string body_lines;
  std::string json_path;
  corpus_options corpus;
  app.add_option("--target", target, "HOST:PORT to send to")->required();
  auto* path_option =
      app.add_option("--path", path, "request target")->capture_default_str();
  app.add_option("--content-type", content_type, "Content-Type of requests")
      ->capture_default_str();
  app.add_option("--connections", connections, "keep-alive connections")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}))
      ->capture_default_str();
  app.add_option("--threads", threads, "threads running the connections")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_option("--duration", duration_s, "measured seconds")
      ->check(CLI::Range(0.0, 86'400.0))
      ->capture_default_str();
  auto* warmup_option =
      app.add_option("--warmup", warmup_s,
                     "seconds before the measurement starts (0 with "
                     "--requests unless given)")
          ->check(CLI::Range(0.0, 86'400.0))
          ->capture_default_str();
  app.add_option("--requests", request_limit,
                 "stop after this many requests (e.g. to pre-fill state)");
  app.add_option("--rate", rate,
                 "open loop: requests per second in all, latency measured "
                 "from each request's scheduled time")
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout", timeout_s, "seconds per connect, write, read")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--parse-replies", parse_replies,
               "sum deltascand's scansTriggered/Skipped/Deduped from replies");
  app.add_option("--json", json_path,
                 "write the JSON report here (- for "
                 "stdout; the table then goes to stderr)");
  auto* scanner_option = app.add_flag(
      "--scanner-bodies", scanner_bodies,
      "send the corpus's scan submissions (path defaults to /api/v1/scans)");
  auto* files_option = app.add_option("--body-file", body_files,
                                      "a file holding one body (repeatable)");
  auto* lines_option = app.add_option("--body-lines", body_lines,
                                      "a file holding one body per line");
  files_option->excludes(scanner_option)->excludes(lines_option);
  scanner_option->excludes(lines_option);
  add_corpus_flags(app, corpus);
  CLI11_PARSE(app, argc, argv);

  std::ostream& table_out = json_path == "-" ? std::cerr : std::cout;
  if (request_limit != 0 && warmup_option->count() == 0)
    warmup_s = 0;
  if (scanner_bodies && path_option->count() == 0)
    path = "/api/v1/scans";
  std::string error;
  auto address = split_host_port(target, error);
  if (!address) {
    std::cerr << "deltascan-loadgen: --target: " << error << "\n";
    return 2;
  }

  // Every body is built before the first connection opens, so generating
  // the corpus costs the measured server nothing.
  deltascan::bench::load_plan plan;
  auto from_files = !body_files.empty() || !body_lines.empty();
  if (from_files && corpus.unique_digests) {
    std::cerr << "deltascan-loadgen: --unique needs generated bodies\n";
    return 2;
  }
  for (const auto& file : body_files) {
    std::string text;
    if (!read_file(file, text)) {
      std::cerr << "deltascan-loadgen: cannot read " << file << "\n";
      return 2;
    }
    plan.bodies.push_back(body_from_text(std::move(text)));
  }
  if (!body_lines.empty()) {
    std::ifstream in{body_lines, std::ios::binary};
    if (!in) {
      std::cerr << "deltascan-loadgen: cannot read " << body_lines << "\n";
      return 2;
    }
    for (std::string line; std::getline(in, line);)
      if (!line.empty())
        plan.bodies.push_back(body_from_text(std::move(line)));
  }
  if (!from_files) {
    auto built = make_corpus(corpus);
    plan.bodies =
        scanner_bodies ? make_scan_bodies(built) : std::move(built.batches);
  }
  if (plan.bodies.empty()) {
    std::cerr << "deltascan-loadgen: no bodies to send (a corpus without "
                 "drift events has no scan submissions)\n";
    return 2;
  }

  asio::io_context ioc{static_cast<int>(threads)};
  asio::ip::tcp::resolver resolver{ioc};
  boost::system::error_code resolve_ec;
  plan.endpoints = resolver.resolve(address->host, address->port, resolve_ec);
  if (resolve_ec || plan.endpoints.empty()) {
    std::cerr << "deltascan-loadgen: cannot resolve " << target << ": "
              << resolve_ec.message() << "\n";
    return 2;
  }
  plan.host = target;
  plan.path = path;
  plan.content_type = content_type;
  plan.timeout =
      std::chrono::milliseconds{static_cast<std::int64_t>(timeout_s * 1000)};
  plan.unique = corpus.unique_digests;
  plan.seed = corpus.seed;
  plan.parse_replies = parse_replies;
  plan.request_limit = request_limit;
  auto run_start = load_clock::now();
  auto seconds = [](double s) {
    return std::chrono::duration_cast<load_clock::duration>(
        std::chrono::duration<double>{s});
  };
  plan.measure_start = run_start + seconds(warmup_s);
  plan.measure_end = plan.measure_start + seconds(duration_s);

  load_progress progress{corpus.first_unique_index};
  std::unique_ptr<open_loop_schedule> schedule;
  if (rate > 0)
    schedule = std::make_unique<open_loop_schedule>(ioc, rate, run_start,
                                                    request_limit);
  std::vector<std::shared_ptr<load_connection>> pool;
  pool.reserve(connections);
  for (std::size_t i = 0; i < connections; ++i)
    pool.push_back(
        std::make_shared<load_connection>(ioc, plan, progress, schedule.get()));

  // The end of the run: the window closes, the request limit is reached or
  // a signal arrives. Sockets are closed at once; what is in flight is not
  // counted.
  auto control = asio::make_strand(ioc);
  asio::steady_timer end_timer{control};
  asio::signal_set signals{control, SIGINT, SIGTERM};
  load_clock::time_point stopped_at = plan.measure_end;
  auto stop = [&] {
    if (progress.stopping.exchange(true))
      return;
    stopped_at = std::min(load_clock::now(), plan.measure_end);
    if (schedule)
      schedule->stop();
    for (auto& connection : pool)
      connection->close();
    asio::post(control, [&] {
      end_timer.cancel();
      signals.cancel();
    });
  };
  progress.on_limit_reached = stop;
  end_timer.expires_at(plan.measure_end);
  end_timer.async_wait([&](const boost::system::error_code& ec) {
    if (!ec)
      stop();
  });
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec)
      stop();
  });
  for (auto& connection : pool)
    connection->start();
  if (schedule)
    schedule->start();
  std::vector<std::thread> runners;
  for (unsigned i = 1; i < threads; ++i)
    runners.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& runner : runners)
    runner.join();

  load_report report;
  report.target = target;
  report.path = path;
  report.connections = connections;
  report.threads = threads;
  report.warmup_s = warmup_s;
  report.duration_s = std::max(
      0.0,
      std::chrono::duration<double>(stopped_at - plan.measure_start).count());
  if (rate > 0) {
    report.offered_rate = rate;
    report.not_sent =
        schedule->waiting_between(plan.measure_start, plan.measure_end);
  }
  if (plan.unique)
    report.next_unique_index = progress.next_unique.load();
  report.parse_replies = parse_replies;
  for (const auto& connection : pool)
    report.stats.merge(connection->stats());
  table_out << to_table(report) << std::flush;
  if (json_path == "-") {
    std::cout << to_json(report) << std::flush;
  } else if (!json_path.empty() && !write_text(json_path, to_json(report))) {
    std::cerr << "deltascan-loadgen: cannot write " << json_path << "\n";
    return 1;
  }
  return 0;
}
