// Runs deltascand in the test process against an in-process stub scanner,
// and builds and reads the batches and replies the tests exchange with it.
#include "tests/daemon/daemon_fixture.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

namespace deltascan::e2e {

namespace asio = boost::asio;

bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// -- stub_scanner_runner ------------------------------------------------------

stub_scanner_runner::stub_scanner_runner(net::stub_scanner_options options)
    : work_{asio::make_work_guard(ioc_)},
      stub_{std::make_shared<net::stub_scanner>(ioc_.get_executor(), options)} {
  server_.emplace(ioc_, stub_);
  REQUIRE_FALSE(server_->listen(loopback(0)));
  server_->start();
  thread_ = std::thread{[this] {
    ioc_.run();
  }};
}

stub_scanner_runner::~stub_scanner_runner() {
  // Destroying the server aborts its connections on the io_context, which
  // still runs; once the latency timers of answered-too-late submissions
  // have fired, nothing is left and the thread returns.
  server_.reset();
  work_.reset();
  if (!eventually([this] { return ioc_.stopped(); }))
    ioc_.stop();
  thread_.join();
}

std::uint16_t stub_scanner_runner::port() const {
  return server_->local_endpoint().port();
}

// -- daemon -------------------------------------------------------------------

daemon_config test_config(std::uint16_t scanner_port) {
  daemon_config config;
  config.server.listen = {"127.0.0.1", 0};
  config.server.io_threads = 2;
  config.server.drain_timeout = std::chrono::seconds{10};
  config.dedup.shards = 2;
  config.scanner.url = {"http", "127.0.0.1", scanner_port, ""};
  config.scanner.timeout = std::chrono::milliseconds{5000};
  // Retries as in production, but with short waits so tests stay quick.
  config.scanner.retry.initial_backoff = std::chrono::milliseconds{10};
  config.scanner.retry.max_backoff = std::chrono::milliseconds{40};
  config.log.level = log_level::warn;
  return config;
}

std::uint16_t closed_port() {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, loopback(0)};
  auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

daemon_runner::daemon_runner(daemon_config config) : app_{std::move(config)} {
  // Warnings by default, since per-batch lines would drown the report;
  // E2E_LOG_LEVEL=debug shows every connection and submission.
  const char* level = std::getenv("E2E_LOG_LEVEL");
  spdlog::set_level(level != nullptr ? spdlog::level::from_str(level)
                                     : spdlog::level::warn);
  auto err = app_.start();
  INFO("daemon_app::start failed: " << err.value_or(""));
  REQUIRE_FALSE(err);
}

daemon_fixture::daemon_fixture(
    const std::function<void(daemon_config&)>& adjust,
    net::stub_scanner_options stub_options)
    : scanner{stub_options} {
  auto config = test_config(scanner.port());
  if (adjust)
    adjust(config);
  daemon = std::make_unique<daemon_runner>(std::move(config));
}

// -- batches ------------------------------------------------------------------

std::string test_digest(std::uint64_t n) {
  char hex[65];
  std::snprintf(hex, sizeof hex, "%064llx", static_cast<unsigned long long>(n));
  return std::string{"sha256:"} + hex;
}

std::string drift_event_json(const std::string& event_id,
                             const std::string& digest) {
  return R"({"schemaVersion":"zastava.runtime.event@v1","event":{)"
         R"("eventId":")" +
         event_id +
         R"(","when":"2026-12-03T10:00:04.118Z","kind":"Drift",)"
         R"("tenant":"payments","node":"node-1","workload":{)"
         R"("platform":"kubernetes","namespace":"checkout",)"
         R"("pod":"api-1","container":"api",)"
         R"("imageRef":"registry.example.com/checkout/api@)" +
         digest + R"("},"delta":{"baselineImageDigest":")" + digest +
         R"(","changedFiles":["/usr/local/bin/xmrig"]}}})";
}

std::string start_event_json(const std::string& event_id) {
  return R"({"schemaVersion":"zastava.runtime.event@v1","event":{)"
         R"("eventId":")" +
         event_id +
         R"(","kind":"ContainerStart","workload":{)"
         R"("imageRef":"registry.example.com/checkout/worker:2.14.1"}}})";
}

std::string batch_json(const std::string& batch_id,
                       const std::vector<std::string>& events) {
  std::string out = R"({"batchId":")" + batch_id + R"(","events":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0)
      out += ',';
    out += events[i];
  }
  out += "]}";
  return out;
}

std::string drift_batch(const std::string& batch_id,
                        const std::string& event_id,
                        const std::string& digest) {
  return batch_json(batch_id, {drift_event_json(event_id, digest)});
}

std::string example_batch() {
  std::ifstream in{DELTASCAN_SOURCE_DIR "/examples/drift-batch.json",
                   std::ios::binary};
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// -- replies ------------------------------------------------------------------

std::optional<batch_counts> parse_batch_reply(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body).get(object))
    return std::nullopt;
  batch_counts counts;
  std::string_view id;
  if (!object["batchId"].get(id))
    counts.batch_id.emplace(id);
  else if (!object["batchId"].is_null())
    return std::nullopt;
  if (object["eventsReceived"].get(counts.events_received) ||
      object["driftEventsDetected"].get(counts.drift_events_detected) ||
      object["scansTriggered"].get(counts.triggered) ||
      object["scansSkipped"].get(counts.skipped) ||
      object["scansDeduped"].get(counts.deduped))
    return std::nullopt;
  return counts;
}

batch_counts post_ok(const tcp::endpoint& ep, std::string body) {
  auto res = exchange_once(ep, post_batch(std::move(body)));
  REQUIRE(res);
  INFO("reply: " << res->body());
  REQUIRE(res->result() == http::status::ok);
  auto counts = parse_batch_reply(res->body());
  REQUIRE(counts);
  return *counts;
}

std::string metrics_text(const tcp::endpoint& ep) {
  auto res = exchange_once(ep, make_request(http::verb::get, "/metrics"));
  REQUIRE(res);
  return res->body();
}

double sample(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos)
    return -1;
  auto start = at + series.size() + 2;
  return std::stod(text.substr(start, text.find('\n', start) - start));
}

double metric(const tcp::endpoint& ep, const std::string& series) {
  return sample(metrics_text(ep), series);
}

std::optional<problem_fields> parse_problem(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body).get(object))
    return std::nullopt;
  problem_fields fields;
  std::string_view type;
  std::string_view title;
  std::string_view detail;
  if (object["type"].get(type) || object["title"].get(title) ||
      object["status"].get(fields.status) || object["detail"].get(detail))
    return std::nullopt;
  fields.type.assign(type);
  fields.title.assign(title);
  fields.detail.assign(detail);
  return fields;
}

} // namespace deltascan::e2e
