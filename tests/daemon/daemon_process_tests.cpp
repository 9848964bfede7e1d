// deltascand as an operator runs it: the real binary with a configuration
// file, next to the stub scanner binary. Checks what only a process shows:
// --check-config and --version, a SIGHUP that switches auto-scan off (and
// one with a broken file that changes nothing), a SIGTERM that lets a batch
// in flight finish, a second signal that does not wait, and a taken port.
#include "tests/daemon/child_process.hpp"
#include "tests/daemon/daemon_fixture.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>
#include <deltascan/version.hpp>
#include <simdjson.h>

#include <csignal>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

using namespace deltascan;
using namespace deltascan::e2e;

namespace {

const std::string daemon_binary = DELTASCAN_BIN_DIR "/deltascand";
const std::string stub_binary = DELTASCAN_BIN_DIR "/deltascan-stub-scanner";

struct yaml_settings {
  std::uint16_t scanner_port = 0;
  bool auto_scan = true;
  /// Replaces the cooldown's value as written, to make the file invalid.
  std::string cooldown = "300";
  std::string listen = "127.0.0.1:0";
};

std::string daemon_yaml(const yaml_settings& s) {
  std::ostringstream out;
  out << "server:\n"
      << "  listen: \"" << s.listen << "\"\n"
      << "  io_threads: 2\n"
      << "  drain_timeout_seconds: 20\n"
      << "runtime:\n"
      << "  auto_scan_enabled: " << (s.auto_scan ? "true" : "false") << "\n"
      << "  auto_scan_cooldown_seconds: " << s.cooldown << "\n"
      << "dedup:\n"
      << "  shards: 2\n"
      << "scanner:\n"
      << "  url: \"http://127.0.0.1:" << s.scanner_port << "\"\n"
      << "  timeout_ms: 5000\n"
      << "log:\n"
      << "  level: info\n";
  return out.str();
}

/// A running binary and the port it announced.
struct served_process {
  std::unique_ptr<child_process> process;
  std::uint16_t port = 0;

  tcp::endpoint endpoint() const { return loopback(port); }
};

served_process start_and_wait(const std::string& program,
                              const std::vector<std::string>& args,
                              const scratch_directory& dir,
                              const std::string& name) {
  served_process result;
  result.process = std::make_unique<child_process>(
      program, args, dir.path() / (name + ".out"),
      dir.path() / (name + ".err"));
  REQUIRE(result.process->started());
  auto port = result.process->wait_for_listening(patience);
  INFO(name << " stderr: " << result.process->stderr_text());
  REQUIRE(port);
  result.port = *port;
  return result;
}

served_process start_stub(const scratch_directory& dir,
                          std::chrono::milliseconds latency = 0ms) {
  return start_and_wait(stub_binary,
                        {"--listen", "127.0.0.1:0", "--latency-ms",
                         std::to_string(latency.count()), "--log-level",
                         "warn"},
                        dir, "stub");
}

served_process start_daemon(const scratch_directory& dir,
                            const std::filesystem::path& config) {
  return start_and_wait(daemon_binary, {"--config", config.string()}, dir,
                        "deltascand");
}

// Posts a batch on a new connection; the counts of a 200 reply, or none.
std::optional<batch_counts> post(const tcp::endpoint& ep, std::string body) {
  auto res = exchange_once(ep, post_batch(std::move(body)));
  if (!res || res->result() != http::status::ok)
    return std::nullopt;
  return parse_batch_reply(res->body());
}

// What the stub scanner binary has received so far.
std::optional<std::uint64_t> stub_received(const tcp::endpoint& stub) {
  auto res = exchange_once(stub, make_request(http::verb::get, "/stub/stats"));
  if (!res || res->result() != http::status::ok)
    return std::nullopt;
  simdjson::dom::parser parser;
  std::uint64_t received = 0;
  if (parser.parse(res->body())["received"].get(received))
    return std::nullopt;
  return received;
}

std::size_t count_lines(const std::string& text) {
  std::size_t lines = 0;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      ++lines;
  return lines;
}

} // namespace

TEST_CASE("deltascand checks a configuration without starting",
          "[process][config]") {
  scratch_directory dir;
  std::string out;
  std::string err;
  // Runs `deltascand --check-config --config file` into `out` and `err`.
  auto check = [&](const std::filesystem::path& file) {
    return run_to_exit(daemon_binary,
                       {"--check-config", "--config", file.string()}, dir, out,
                       err, patience);
  };
  SECTION("a good file is printed in full, defaults included") {
    auto good = dir.write(
        "good.yaml", daemon_yaml({.scanner_port = 9999, .auto_scan = false}));
    auto rc = check(good);
    INFO("stderr: " << err);
    REQUIRE(rc);
    CHECK(*rc == 0);
    CHECK_THAT(out, Catch::Contains("server:\n  listen: \"127.0.0.1:0\"\n"));
    CHECK_THAT(out, Catch::Contains("  auto_scan_enabled: false\n"));
    CHECK_THAT(out, Catch::Contains("  shards: 2\n"));
    CHECK_THAT(out, Catch::Contains("  url: \"http://127.0.0.1:9999\"\n"));
    CHECK_THAT(out, Catch::Contains("  max_in_flight: 64\n"));
    CHECK_THAT(out, Catch::Contains("  max_body_bytes: 4194304\n"));
    // The printed configuration is itself a valid file with the same
    // meaning.
    auto effective = dir.write("effective.yaml", out);
    std::string again;
    auto rc_again = run_to_exit(
        daemon_binary, {"--check-config", "--config", effective.string()}, dir,
        again, err, patience);
    REQUIRE(rc_again);
    CHECK(*rc_again == 0);
    CHECK(again == out);
  }
  SECTION("an unknown key is named, with the key it probably meant") {
    auto bad = dir.write("bad.yaml", "server:\n  listn: \"127.0.0.1:0\"\n");
    auto rc = check(bad);
    REQUIRE(rc);
    CHECK(*rc == 1);
    CHECK_THAT(err, Catch::Contains("server.listn: unknown key"));
    CHECK_THAT(err, Catch::Contains("server.listen"));
    CHECK(out.empty());
  }
  SECTION("a bad value is named with its key") {
    auto bad = dir.write("bad.yaml", "scanner:\n  timeout_ms: soon\n");
    auto rc = check(bad);
    REQUIRE(rc);
    CHECK(*rc == 1);
    CHECK_THAT(err, Catch::Contains("scanner.timeout_ms"));
    CHECK_THAT(err, Catch::Contains("\"soon\""));
    CHECK(out.empty());
  }
  SECTION("the files it names are read as start-up reads them, and what "
          "they hold is never printed") {
    auto tokens = dir.write("tokens", "node-secret-1\nnode-secret-2\n");
    auto good = dir.write("good.yaml", "server:\n  auth:\n    token_file: \"" +
                                           tokens.string() + "\"\n");
    auto rc = check(good);
    INFO("stderr: " << err);
    REQUIRE(rc);
    CHECK(*rc == 0);
    CHECK_THAT(out, Catch::Contains(tokens.string()));
    CHECK_THAT(out + err, !Catch::Contains("node-secret"));

    auto missing = (dir.path() / "missing").string();
    auto bad =
        dir.write("bad.yaml", "server:\n  auth:\n    token_file: \"" + missing +
                                  "\"\n  tls:\n"
                                  "    cert_file: \"" +
                                  missing + ".crt\"\n    key_file: \"" +
                                  missing + ".key\"\n");
    rc = check(bad);
    REQUIRE(rc);
    CHECK(*rc == 1);
    CHECK_THAT(err, Catch::Contains("server.auth.token_file"));
    CHECK_THAT(err, Catch::Contains("server.tls"));
    CHECK(out.empty());
  }
  SECTION("--version prints the version") {
    auto rc =
        run_to_exit(daemon_binary, {"--version"}, dir, out, err, patience);
    REQUIRE(rc);
    CHECK(*rc == 0);
    CHECK(out == std::string{"deltascand "} + deltascan::version + "\n");
  }
}

TEST_CASE("SIGHUP applies a new auto-scan setting and ignores a broken file",
          "[process][reload]") {
  scratch_directory dir;
  auto stub = start_stub(dir);
  yaml_settings settings{.scanner_port = stub.port};
  auto config = dir.write("deltascand.yaml", daemon_yaml(settings));
  auto daemon = start_daemon(dir, config);
  auto& process = *daemon.process;

  auto first =
      post(daemon.endpoint(), drift_batch("hup-0", "e-0", test_digest(0x4000)));
  REQUIRE(first);
  CHECK(first->triggered == 1);

  settings.auto_scan = false;
  dir.write("deltascand.yaml", daemon_yaml(settings));
  process.signal(SIGHUP);
  // The reload runs on the daemon's own time: batches of new images still
  // trigger until it lands, and must be skipped soon after.
  std::uint64_t next = 0x4000;
  std::optional<batch_counts> last;
  bool switched_off = eventually([&] {
    ++next;
    last = post(daemon.endpoint(),
                drift_batch("hup-" + std::to_string(next),
                            "e-" + std::to_string(next), test_digest(next)));
    return last && last->skipped == 1;
  });
  INFO("deltascand stderr after the reload: " << process.stderr_text());
  CHECK(switched_off);
  REQUIRE(last);
  CHECK(last->triggered == 0);
  CHECK(last->drift_events_detected == 1);
  CHECK_THAT(process.stderr_text(),
             Catch::Contains("reloaded its configuration: auto-scan off"));

  // A broken file would switch auto-scan back on if any of it applied.
  settings.auto_scan = true;
  settings.cooldown = "soon";
  dir.write("deltascand.yaml", daemon_yaml(settings));
  process.signal(SIGHUP);
  bool kept = process.wait_for_stderr("kept its configuration", patience);
  INFO("deltascand stderr after the broken reload: " << process.stderr_text());
  REQUIRE(kept);
  CHECK_THAT(process.stderr_text(),
             Catch::Contains("runtime.auto_scan_cooldown_seconds"));
  ++next;
  auto after = post(daemon.endpoint(),
                    drift_batch("hup-bad", "e-bad", test_digest(next)));
  REQUIRE(after);
  CHECK(after->skipped == 1);
  CHECK(after->triggered == 0);

  process.signal(SIGTERM);
  CHECK(process.wait_for_exit(patience) == 0);
  stub.process->signal(SIGTERM);
  CHECK(stub.process->wait_for_exit(patience) == 0);
}

TEST_CASE("SIGTERM lets a batch in flight finish, then deltascand exits 0",
          "[process][drain]") {
  scratch_directory dir;
  auto stub = start_stub(dir, 1500ms);
  auto config =
      dir.write("deltascand.yaml", daemon_yaml({.scanner_port = stub.port}));
  auto daemon = start_daemon(dir, config);
  auto& process = *daemon.process;

  std::optional<net::http_response> reply;
  std::thread observer{[&] {
    reply = exchange_once(
        daemon.endpoint(),
        post_batch(drift_batch("term-1", "e-1", test_digest(0x5000))));
  }};
  // Once the scanner holds the submission, the batch is in flight.
  bool in_flight =
      eventually([&] { return stub_received(stub.endpoint()) == 1u; });
  process.signal(SIGTERM);
  observer.join();
  auto rc = process.wait_for_exit(patience);
  INFO("deltascand stderr: " << process.stderr_text());
  REQUIRE(in_flight);
  REQUIRE(reply);
  INFO("reply: " << reply->body());
  CHECK(reply->result() == http::status::ok);
  auto counts = parse_batch_reply(reply->body());
  REQUIRE(counts);
  CHECK(counts->triggered == 1);
  CHECK(rc == 0);
  CHECK_THAT(process.stderr_text(), Catch::Contains("received SIGTERM"));
  http_test_client late;
  CHECK(late.connect(daemon.endpoint()) ==
        boost::asio::error::connection_refused);
}

TEST_CASE("a second SIGTERM ends deltascand without waiting for the drain",
          "[process][drain]") {
  scratch_directory dir;
  auto stub = start_stub(dir, 4000ms);
  auto config =
      dir.write("deltascand.yaml", daemon_yaml({.scanner_port = stub.port}));
  auto daemon = start_daemon(dir, config);
  auto& process = *daemon.process;

  std::thread observer{[&] {
    exchange_once(
        daemon.endpoint(),
        post_batch(drift_batch("impatient", "e-1", test_digest(0x6000))));
  }};
  bool in_flight =
      eventually([&] { return stub_received(stub.endpoint()) == 1u; });
  process.signal(SIGTERM);
  // Signals of one kind do not queue: the second must come once the first
  // has been taken, which the drain's log line shows.
  bool draining =
      process.wait_for_stderr("draining batches in flight", patience);
  process.signal(SIGTERM);
  auto rc = process.wait_for_exit(patience);
  observer.join();
  INFO("deltascand stderr: " << process.stderr_text());
  REQUIRE(in_flight);
  REQUIRE(draining);
  CHECK(rc == 1);
  CHECK_THAT(process.stderr_text(),
             Catch::Contains("second signal, exiting now"));
}

TEST_CASE("deltascand exits non-zero with one clear line when its port is "
          "taken",
          "[process][startup]") {
  scratch_directory dir;
  boost::asio::io_context ioc;
  tcp::acceptor taken{ioc, loopback(0)};
  auto port = taken.local_endpoint().port();
  auto listen = "127.0.0.1:" + std::to_string(port);
  auto config = dir.write("deltascand.yaml",
                          daemon_yaml({.scanner_port = 9, .listen = listen}));
  std::string out;
  std::string err;
  auto rc = run_to_exit(daemon_binary, {"--config", config.string()}, dir, out,
                        err, patience);
  INFO("stderr: " << err);
  REQUIRE(rc);
  CHECK(*rc != 0);
  CHECK(count_lines(err) == 1);
  CHECK_THAT(err, Catch::Contains("failed to start"));
  CHECK_THAT(err, Catch::Contains(listen));
  CHECK_THAT(err, Catch::Contains("in use"));
}
