// Loading deltascand's configuration: defaults, the YAML file, the
// DELTASCAN_* overrides, and the messages an operator sees for every kind
// of mistake.
#include "config/config_keys.hpp"
#include "config/config_loader.hpp"
#include "tests/config/config_test_support.hpp"
#include "tests/config/temp_directory.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

using namespace deltascan;
using namespace std::chrono_literals;
using deltascan::test::any_contains;
using deltascan::test::joined;
using deltascan::test::nested_yaml;
using deltascan::test::temp_directory;

namespace {

// Loads `yaml` from a real file, as the daemon does.
config_result load_file(const temp_directory& dir, std::string_view yaml,
                        const environment_map& env = {}) {
  auto path = dir.write("deltascand.yaml", yaml);
  return load_config(path.string(), env);
}

constexpr std::string_view full_file = R"(# every key, none at its default
server:
  listen: "[::1]:0"
  max_body_bytes: 1048576
  max_batch_events: 500
  io_threads: 8
  drain_timeout_seconds: 0
runtime:
  auto_scan_enabled: no
  auto_scan_cooldown_seconds: 0
dedup:
  shards: 16
  purge_interval_seconds: 5
scanner:
  url: http://scanner.internal:9000/api/v1/
  token_file: /run/secrets/scanner token
  timeout_ms: 250
  max_in_flight: 1000
  retry:
    max_attempts: 3
log:
  level: debug
  format: json
)";

void check_full_file_values(const daemon_config& cfg) {
  CHECK(cfg.server.listen == host_port{"::1", 0});
  CHECK(cfg.server.max_body_bytes == 1048576);
  CHECK(cfg.server.max_batch_events == 500);
  CHECK(cfg.server.io_threads == 8);
  CHECK(cfg.server.drain_timeout == 0s);
  CHECK_FALSE(cfg.runtime.auto_scan_enabled);
  CHECK(cfg.runtime.auto_scan_cooldown == 0s);
  CHECK(cfg.dedup.shards == 16);
  CHECK(effective_shards(cfg.dedup) == 16);
  CHECK(cfg.dedup.purge_interval == 5s);
  CHECK(cfg.scanner.url ==
        http_endpoint{"http", "scanner.internal", 9000, "/api/v1"});
  CHECK(cfg.scanner.token_file == "/run/secrets/scanner token");
  CHECK(cfg.scanner.timeout == 250ms);
  CHECK(cfg.scanner.max_in_flight == 1000);
  CHECK(cfg.scanner.retry.max_attempts == 3);
  CHECK(cfg.log.level == log_level::debug);
  CHECK(cfg.log.format == log_format::json);
}

} // namespace

TEST_CASE("without a file or variables every setting has its default") {
  auto result = load_config(std::nullopt, {});
  INFO(joined(result.errors));
  REQUIRE(result.ok());
  CHECK(result.errors.empty());
  CHECK(result.warnings.empty());
  const auto& cfg = *result.config;
  CHECK(cfg == daemon_config{});
  CHECK(cfg.server.listen == host_port{"127.0.0.1", 8080});
  CHECK(cfg.server.max_body_bytes == 4194304);
  CHECK(cfg.server.max_batch_events == 10000);
  CHECK(cfg.server.io_threads == 2);
  CHECK(cfg.server.drain_timeout == 30s);
  CHECK(cfg.runtime.auto_scan_enabled);
  CHECK(cfg.runtime.auto_scan_cooldown == 300s);
  CHECK(cfg.dedup.shards == 0);
  CHECK(effective_shards(cfg.dedup) >= 1);
  CHECK(cfg.dedup.purge_interval == 60s);
  CHECK(cfg.scanner.url == http_endpoint{"http", "127.0.0.1", 8081, ""});
  CHECK(cfg.scanner.token_file.empty());
  CHECK(cfg.scanner.timeout == 5000ms);
  CHECK(cfg.scanner.max_in_flight == 64);
  CHECK(cfg.scanner.retry.max_attempts == 4);
  CHECK(cfg.scanner.retry.initial_backoff == 200ms);
  CHECK(cfg.scanner.retry.max_backoff == 5000ms);
  CHECK(cfg.scanner.retry.budget == 8000ms);
  CHECK(cfg.scanner.retry.max_retry_after == 30000ms);
  CHECK(cfg.scanner.breaker.failures == 5);
  CHECK(cfg.scanner.breaker.open_duration == 30s);
  CHECK(cfg.scanner.tls == scanner_tls_settings{});
  CHECK(cfg.server.batch_deadline == 10000ms);
  CHECK(cfg.server.max_batches_in_progress == 256);
  CHECK(cfg.server.max_pending_events == 200000);
  CHECK(cfg.server.overload_retry_after == 1s);
  CHECK(cfg.server.auth.token_file.empty());
  CHECK_FALSE(cfg.server.auth.protect_metrics);
  CHECK_FALSE(cfg.server.auth.protect_health);
  CHECK_FALSE(cfg.server.tls.enabled());
  CHECK_FALSE(cfg.ingress.rate_limit.per_node.enabled());
  CHECK_FALSE(cfg.ingress.rate_limit.per_tenant.enabled());
  CHECK(cfg.log.level == log_level::info);
  CHECK(cfg.log.format == log_format::text);
  CHECK(to_spdlog_level(cfg.log.level) == spdlog::level::info);
}

TEST_CASE("a file can set every setting") {
  temp_directory dir;
  auto result = load_file(dir, full_file);
  INFO(joined(result.errors));
  REQUIRE(result.ok());
  CHECK(result.warnings.empty());
  check_full_file_values(*result.config);
}

TEST_CASE("every setting can be overridden from the environment") {
  environment_map env{
      {"DELTASCAN_SERVER_LISTEN", "[::1]:0"},
      {"DELTASCAN_SERVER_MAX_BODY_BYTES", "1048576"},
      {"DELTASCAN_SERVER_MAX_BATCH_EVENTS", "500"},
      {"DELTASCAN_SERVER_IO_THREADS", "8"},
      {"DELTASCAN_SERVER_DRAIN_TIMEOUT_SECONDS", "0"},
      {"DELTASCAN_RUNTIME_AUTO_SCAN_ENABLED", "no"},
      {"DELTASCAN_RUNTIME_AUTO_SCAN_COOLDOWN_SECONDS", "0"},
      {"DELTASCAN_DEDUP_SHARDS", "16"},
      {"DELTASCAN_DEDUP_PURGE_INTERVAL_SECONDS", "5"},
      {"DELTASCAN_SCANNER_URL", "http://scanner.internal:9000/api/v1/"},
      {"DELTASCAN_SCANNER_TOKEN_FILE", "/run/secrets/scanner token"},
      {"DELTASCAN_SCANNER_TIMEOUT_MS", "250"},
      {"DELTASCAN_SCANNER_MAX_IN_FLIGHT", "1000"},
      {"DELTASCAN_SCANNER_RETRY_MAX_ATTEMPTS", "3"},
      {"DELTASCAN_LOG_LEVEL", "DEBUG"},
      {"DELTASCAN_LOG_FORMAT", "json"},
      {"PATH", "/usr/bin"},
  };
  auto result = load_config(std::nullopt, env);
  INFO(joined(result.errors));
  REQUIRE(result.ok());
  CHECK(result.warnings.empty());
  check_full_file_values(*result.config);
}

TEST_CASE("the catalogue has one variable per setting, named after its key") {
  CHECK(config_keys().size() == 39);
  CHECK(env_name_for("scanner.retry.max_attempts") ==
        "DELTASCAN_SCANNER_RETRY_MAX_ATTEMPTS");
  for (const auto& key : config_keys()) {
    INFO(key.name);
    CHECK(key.env_name == env_name_for(key.name));
    CHECK(find_config_key_by_env(key.env_name) == &key);
  }
}

TEST_CASE("switches accept true/false, yes/no and 1/0 in any case") {
  for (auto spelling : {"true", "TRUE", "True", "yes", "YES", "Yes", "1"}) {
    INFO(spelling);
    auto result = load_config(
        std::nullopt, {{"DELTASCAN_RUNTIME_AUTO_SCAN_ENABLED", spelling}});
    REQUIRE(result.ok());
    CHECK(result.config->runtime.auto_scan_enabled);
  }
  for (auto spelling : {"false", "FALSE", "False", "no", "NO", "No", "0"}) {
    INFO(spelling);
    auto result = load_config(
        std::nullopt, {{"DELTASCAN_RUNTIME_AUTO_SCAN_ENABLED", spelling}});
    REQUIRE(result.ok());
    CHECK_FALSE(result.config->runtime.auto_scan_enabled);
  }
  temp_directory dir;
  auto from_file = load_file(dir, "runtime:\n  auto_scan_enabled: False\n");
  REQUIRE(from_file.ok());
  CHECK_FALSE(from_file.config->runtime.auto_scan_enabled);
  for (auto spelling : {"on", "off", "2", "", " true", "y"}) {
    INFO(spelling);
    auto result = load_config(
        std::nullopt, {{"DELTASCAN_RUNTIME_AUTO_SCAN_ENABLED", spelling}});
    CHECK_FALSE(result.ok());
    CHECK(any_contains(result.errors, "DELTASCAN_RUNTIME_AUTO_SCAN_ENABLED "
                                      "(runtime.auto_scan_enabled): "
                                      "expected true, false, yes, no, 1 "
                                      "or 0"));
  }
}

TEST_CASE("the environment beats the file, the file beats the defaults") {
  temp_directory dir;
  auto result = load_file(
      dir,
      "server:\n  io_threads: 4\n  listen: "
      "\"0.0.0.0:9090\"\nlog:\n  level: warn\n",
      {{"DELTASCAN_SERVER_IO_THREADS", "8"}, {"DELTASCAN_LOG_LEVEL", "error"}});
  INFO(joined(result.errors));
  REQUIRE(result.ok());
  CHECK(result.config->server.io_threads == 8);
  CHECK(result.config->log.level == log_level::error);
  CHECK(to_spdlog_level(result.config->log.level) == spdlog::level::err);
  CHECK(result.config->server.listen == host_port{"0.0.0.0", 9090});
  CHECK(result.config->server.max_body_bytes == 4194304);
}

TEST_CASE("a bad value in the file is reported with its key") {
  struct bad_value {
    std::string key;
    std::string yaml_value;
    // Must appear verbatim among the errors, after "<key>: ".
    std::string problem;
  };
  const std::string bad_address = "expected host:port with a port from 0 to "
                                  "65535, got ";
  const std::string url =
      "expected http[s]://host[:port][/path] without credentials, got ";
  const std::string io_threads = "expected an integer from 1 to 256, got ";
  const std::string seconds = "expected an integer from 0 to 315360000, got ";
  std::vector<bad_value> cases{
      {"server.listen", "localhost", bad_address + R"("localhost")"},
      {"server.listen", R"("127.0.0.1:65536")",
       bad_address + R"("127.0.0.1:65536")"},
      {"server.listen", R"("300.1.1.1:80")", bad_address + R"("300.1.1.1:80")"},
      {"server.listen", R"("[::1:80")", bad_address + R"("[::1:80")"},
      {"server.listen", R"("[nonsense]:80")",
       bad_address + R"("[nonsense]:80")"},
      {"server.listen", R"("bad_host:80")", bad_address + R"("bad_host:80")"},
      {"server.listen", R"(":80")", bad_address + R"(":80")"},
      {"server.max_body_bytes", "0", R"(expected a positive integer, got "0")"},
      {"server.max_body_bytes", "99999999999999999999999",
       R"(expected a positive integer, got "99999999999999999999999")"},
      {"server.max_batch_events", "-1",
       R"(expected a positive integer, got "-1")"},
      {"server.io_threads", "abc", io_threads + R"("abc")"},
      {"server.io_threads", "0", io_threads + R"("0")"},
      {"server.io_threads", "257", io_threads + R"("257")"},
      {"server.io_threads", "2.5", io_threads + R"("2.5")"},
      {"server.drain_timeout_seconds", "-5", seconds + R"("-5")"},
      {"runtime.auto_scan_enabled", "maybe",
       R"(expected true, false, yes, no, 1 or 0, got "maybe")"},
      {"runtime.auto_scan_cooldown_seconds", "5m", seconds + R"("5m")"},
      {"dedup.shards", "1025",
       R"(expected an integer from 0 to 1024, got "1025")"},
      {"dedup.purge_interval_seconds", "0",
       R"(expected an integer from 1 to 315360000, got "0")"},
      {"scanner.url", "ftp://x", url + R"("ftp://x")"},
      {"scanner.url", "https://scanner:0", url + R"("https://scanner:0")"},
      {"scanner.url", "http://scanner:0", url + R"("http://scanner:0")"},
      {"scanner.url", "http://scanner/scan?x=1",
       url + R"("http://scanner/scan?x=1")"},
      {"scanner.url", "http://user@scanner",
       url + R"("http://(credentials not shown)@scanner")"},
      {"scanner.url", "https://user:s3cret@scanner:8443/x",
       url + R"("https://(credentials not shown)@scanner:8443/x")"},
      {"scanner.url", "http://", url + R"("http://")"},
      {"scanner.timeout_ms", "0",
       R"(expected an integer from 1 to 315360000000, got "0")"},
      {"scanner.max_in_flight", "100001",
       R"(expected an integer from 1 to 100000, got "100001")"},
      {"scanner.max_in_flight", "0",
       R"(expected an integer from 1 to 100000, got "0")"},
      {"scanner.retry.max_attempts", "0",
       R"(expected an integer from 1 to 100, got "0")"},
      {"scanner.retry.max_attempts", "101",
       R"(expected an integer from 1 to 100, got "101")"},
      {"log.level", "verbose",
       R"(expected one of debug, info, warn or error, got "verbose")"},
      {"log.format", "xml", R"(expected one of text or json, got "xml")"},
  };
  temp_directory dir;
  for (const auto& bad : cases) {
    auto yaml = nested_yaml(bad.key, bad.yaml_value);
    INFO(yaml);
    auto result = load_file(dir, yaml);
    INFO(joined(result.errors));
    CHECK_FALSE(result.ok());
    CHECK(result.errors.size() == 1);
    CHECK(any_contains(result.errors, bad.key + ": " + bad.problem));
  }
}

TEST_CASE("a bad value from the environment names the variable and key") {
  auto result =
      load_config(std::nullopt, {{"DELTASCAN_SERVER_IO_THREADS", "abc"},
                                 {"DELTASCAN_SCANNER_URL", "ftp://x"}});
  INFO(joined(result.errors));
  CHECK_FALSE(result.ok());
  REQUIRE(result.errors.size() == 2);
  CHECK(any_contains(result.errors,
                     R"(DELTASCAN_SERVER_IO_THREADS (server.io_threads): )"
                     R"(expected an integer from 1 to 256, got "abc")"));
  CHECK(any_contains(result.errors,
                     R"(DELTASCAN_SCANNER_URL (scanner.url): expected )"
                     R"(http[s]://host[:port][/path] without credentials, )"
                     R"(got "ftp://x")"));
}

TEST_CASE("a value error in the file names the file, line and column") {
  temp_directory dir;
  auto result = load_file(dir, "server:\n  listen: \"127.0.0.1:80\"\n"
                               "  io_threads: abc\n");
  REQUIRE(result.errors.size() == 1);
  auto path = (dir.path() / "deltascand.yaml").string();
  CHECK(any_contains(result.errors, "(" + path + ":3:15)"));
}

TEST_CASE("control characters in a bad value are shown escaped") {
  auto result =
      load_config(std::nullopt, {{"DELTASCAN_SERVER_IO_THREADS", "8\r"}});
  CHECK(any_contains(result.errors, R"(got "8\x0d")"));
}

TEST_CASE("the listen address accepts every kind of host") {
  for (auto [listen, expected] :
       {std::pair{"127.0.0.1:0", host_port{"127.0.0.1", 0}},
        std::pair{"[::1]:65535", host_port{"::1", 65535}},
        std::pair{"localhost:8080", host_port{"localhost", 8080}},
        std::pair{"scanner-01.example.org:1",
                  host_port{"scanner-01.example.org", 1}}}) {
    INFO(listen);
    auto result =
        load_config(std::nullopt, {{"DELTASCAN_SERVER_LISTEN", listen}});
    REQUIRE(result.ok());
    CHECK(result.config->server.listen == expected);
  }
}

TEST_CASE("a value of the wrong YAML type is reported with its key") {
  temp_directory dir;
  SECTION("a list where a value is expected") {
    auto result = load_file(dir, "server:\n  listen: [a, b]\n");
    CHECK(any_contains(result.errors,
                       "server.listen: expected a single value, got a list"));
  }
  SECTION("a map where a value is expected") {
    auto result = load_file(dir, "scanner:\n  retry:\n    max_attempts:\n"
                                 "      value: 3\n");
    CHECK(any_contains(result.errors, "scanner.retry.max_attempts: expected "
                                      "a single value, got a map"));
  }
  SECTION("a value where a section is expected") {
    auto result = load_file(dir, "server: 5\nscanner:\n  retry: 2\n");
    INFO(joined(result.errors));
    CHECK(result.errors.size() == 2);
    CHECK(any_contains(result.errors,
                       "server: expected a section of keys, got a single "
                       "value"));
    CHECK(any_contains(result.errors, "scanner.retry: expected a section of "
                                      "keys, got a single value"));
  }
  SECTION("a list at the top level") {
    auto result = load_file(dir, "- server\n- scanner\n");
    CHECK(any_contains(result.errors,
                       "expected a map of sections at the top level"));
  }
  SECTION("an empty value where text is required") {
    auto result = load_file(dir, "server:\n  listen:\n");
    CHECK(any_contains(result.errors,
                       R"(server.listen: expected host:port with a port )"
                       R"(from 0 to 65535, got "")"));
  }
}

TEST_CASE("an unknown key is an error with the nearest known key") {
  temp_directory dir;
  SECTION("a misspelt setting") {
    auto result = load_file(dir, "server:\n  listn: \"127.0.0.1:80\"\n");
    CHECK_FALSE(result.ok());
    CHECK(any_contains(result.errors, "server.listn: unknown key (did you mean "
                                      "server.listen?)"));
  }
  SECTION("a misspelt nested setting") {
    auto result = load_file(dir, "scanner:\n  retry:\n    max_attempt: 2\n");
    CHECK(any_contains(result.errors,
                       "scanner.retry.max_attempt: unknown key (did you mean "
                       "scanner.retry.max_attempts?)"));
  }
  SECTION("a misspelt section") {
    auto result = load_file(dir, "scaner:\n  url: http://x\n");
    CHECK_FALSE(result.ok());
    CHECK(any_contains(result.errors,
                       "scaner: unknown key (did you mean scanner?)"));
  }
  SECTION("a key like no other lists what the section holds") {
    auto result = load_file(dir, "log:\n  destination: stderr\n");
    CHECK(any_contains(result.errors, "log.destination: unknown key "
                                      "(expected one of level, format)"));
  }
  SECTION("a dotted key is not taken for a nested one") {
    auto result = load_file(dir, "server.io_threads: 4\n");
    CHECK(any_contains(result.errors,
                       "server.io_threads: unknown key (write dotted names "
                       "as nested sections)"));
  }
  SECTION("a key given twice") {
    auto result = load_file(dir, "log:\n  level: warn\n  level: debug\n");
    CHECK(any_contains(result.errors, "log.level: duplicate key"));
  }
}

TEST_CASE("an unknown DELTASCAN_ variable is ignored with a warning") {
  auto result =
      load_config(std::nullopt, {{"DELTASCAN_SERVER_LISTN", "127.0.0.1:1"},
                                 {"DELTASCAN_QUUX", "1"},
                                 {"HOME", "/root"},
                                 {"deltascan_server_listen", "nonsense"}});
  INFO(joined(result.warnings));
  REQUIRE(result.ok());
  CHECK(result.config == daemon_config{});
  REQUIRE(result.warnings.size() == 2);
  CHECK(any_contains(result.warnings,
                     "DELTASCAN_SERVER_LISTN: ignored, no setting has this "
                     "name (did you mean DELTASCAN_SERVER_LISTEN?)"));
  CHECK(any_contains(result.warnings,
                     "DELTASCAN_QUUX: ignored, no setting has this name"));
  CHECK_FALSE(any_contains(result.warnings, "DELTASCAN_QUUX: ignored, no "
                                            "setting has this name (did"));
}

TEST_CASE("a YAML syntax error names the file, line and column") {
  temp_directory dir;
  auto result = load_file(dir, "server:\n  listen: \"127.0.0.1:80\"\n"
                               "  io_threads: [1, 2\n");
  INFO(joined(result.errors));
  CHECK_FALSE(result.ok());
  REQUIRE(result.errors.size() == 1);
  auto path = (dir.path() / "deltascand.yaml").string();
  CHECK(any_contains(result.errors, "invalid YAML in " + path + " at line "));
  CHECK(any_contains(result.errors, ", column "));
}

TEST_CASE("a YAML syntax error reports the line it is on") {
  temp_directory dir;
  auto result = load_file(dir, "log:\n  level: info\n  format: text: x\n");
  INFO(joined(result.errors));
  REQUIRE(result.errors.size() == 1);
  CHECK(
      any_contains(result.errors, " at line 3, column 15: illegal map value"));
}

TEST_CASE("more than one YAML document is an error") {
  temp_directory dir;
  auto result = load_file(dir, "log:\n  level: info\n---\nlog:\n  level: "
                               "debug\n");
  CHECK(any_contains(result.errors, "expected one YAML document, found 2"));
}

TEST_CASE("a missing configuration file names the path and the reason") {
  temp_directory dir;
  auto path = (dir.path() / "absent.yaml").string();
  auto result = load_config(path, {});
  CHECK_FALSE(result.ok());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors.front() == "cannot read configuration file " + path +
                                     ": No such file or directory");
}

TEST_CASE("a directory given as configuration file is an error") {
  temp_directory dir;
  auto result = load_config(dir.path().string(), {});
  CHECK_FALSE(result.ok());
  CHECK(any_contains(result.errors, "cannot read configuration file " +
                                        dir.path().string() +
                                        ": Is a directory"));
}

TEST_CASE("an empty file, or one with comments only, means all defaults") {
  temp_directory dir;
  for (auto yaml : {"", "\n\n", "# nothing set here\n   # nor here\n",
                    "server:\nscanner:\n  retry:\n"}) {
    INFO(yaml);
    auto result = load_file(dir, yaml);
    INFO(joined(result.errors));
    REQUIRE(result.ok());
    CHECK(*result.config == daemon_config{});
  }
}

TEST_CASE("all problems are reported together") {
  temp_directory dir;
  auto result = load_file(
      dir,
      "server:\n"
      "  listn: \"127.0.0.1:80\"\n"
      "  io_threads: 0\n"
      "scanner:\n"
      "  url: ftp://x\n"
      "loggg:\n"
      "  level: debug\n",
      {{"DELTASCAN_LOG_LEVEL", "loud"}, {"DELTASCAN_SERVER_LISTN", "x"}});
  INFO(joined(result.errors));
  CHECK_FALSE(result.config.has_value());
  CHECK(result.errors.size() == 5);
  CHECK(any_contains(result.errors, "server.listn: unknown key"));
  CHECK(any_contains(result.errors, "server.io_threads: expected"));
  CHECK(any_contains(result.errors, "scanner.url: expected"));
  CHECK(any_contains(result.errors, "loggg: unknown key (did you mean log?)"));
  CHECK(any_contains(result.errors, "DELTASCAN_LOG_LEVEL (log.level): "));
  CHECK(result.warnings.size() == 1);
}

TEST_CASE("a missing file and bad variables are reported together") {
  temp_directory dir;
  auto result = load_config((dir.path() / "absent.yaml").string(),
                            {{"DELTASCAN_DEDUP_SHARDS", "many"}});
  CHECK(result.errors.size() == 2);
  CHECK(any_contains(result.errors, "cannot read configuration file"));
  CHECK(any_contains(result.errors, "DELTASCAN_DEDUP_SHARDS (dedup.shards)"));
}

TEST_CASE("the process environment is read as the C library sees it") {
  auto env = process_environment();
  CHECK_FALSE(env.empty());
  for (const auto& [name, value] : env) {
    INFO(name);
    const char* seen = std::getenv(name.c_str());
    REQUIRE(seen != nullptr);
    CHECK(value == seen);
  }
}

TEST_CASE("settings that only work together are checked together") {
  struct combination {
    environment_map env;
    std::string problem;
  };
  auto https = std::pair<std::string, std::string>{"DELTASCAN_SCANNER_URL",
                                                   "https://scanner"};
  std::vector<combination> cases{
      {{{"DELTASCAN_SERVER_TLS_CERT_FILE", "/c.pem"}},
       "server.tls.cert_file and server.tls.key_file: give both or neither"},
      {{{"DELTASCAN_SERVER_TLS_KEY_FILE", "/k.pem"}},
       "server.tls.cert_file and server.tls.key_file: give both or neither"},
      {{{"DELTASCAN_SERVER_TLS_CLIENT_CA_FILE", "/ca.pem"}},
       "server.tls.client_ca_file: needs server.tls.cert_file"},
      {{https, {"DELTASCAN_SCANNER_TLS_CERT_FILE", "/c.pem"}},
       "scanner.tls.cert_file and scanner.tls.key_file: give both or "
       "neither"},
      {{{"DELTASCAN_SCANNER_TLS_CA_FILE", "/ca.pem"}},
       "scanner.tls.*: set, but scanner.url http://127.0.0.1:8081 is not "
       "https"},
      {{{"DELTASCAN_SCANNER_RETRY_INITIAL_BACKOFF_MS", "6000"}},
       "scanner.retry.initial_backoff_ms: 6000 is above "
       "scanner.retry.max_backoff_ms (5000)"},
      {{{"DELTASCAN_INGRESS_RATE_LIMIT_PER_NODE_RATE", "10"}},
       "ingress.rate_limit.per_node.burst: must be at least 1"},
      {{{"DELTASCAN_SERVER_MAX_PENDING_EVENTS", "9999"}},
       "server.max_pending_events: 9999 is below server.max_batch_events "
       "(10000)"},
      {{{"DELTASCAN_INGRESS_RATE_LIMIT_PER_TENANT_RATE", "10"}},
       "ingress.rate_limit.per_tenant.burst: must be at least 1"},
  };
  for (const auto& c : cases) {
    auto result = load_config(std::nullopt, c.env);
    INFO(c.problem);
    INFO(joined(result.errors));
    CHECK_FALSE(result.ok());
    CHECK(any_contains(result.errors, c.problem));
  }
  auto good = load_config(
      std::nullopt, {https,
                     {"DELTASCAN_SCANNER_TLS_CA_FILE", "/ca.pem"},
                     {"DELTASCAN_SCANNER_TLS_CERT_FILE", "/c.pem"},
                     {"DELTASCAN_SCANNER_TLS_KEY_FILE", "/k.pem"},
                     {"DELTASCAN_SERVER_TLS_CERT_FILE", "/c.pem"},
                     {"DELTASCAN_SERVER_TLS_KEY_FILE", "/k.pem"},
                     {"DELTASCAN_SERVER_TLS_CLIENT_CA_FILE", "/ca.pem"},
                     {"DELTASCAN_INGRESS_RATE_LIMIT_PER_NODE_RATE", "10"},
                     {"DELTASCAN_INGRESS_RATE_LIMIT_PER_NODE_BURST", "20"}});
  INFO(joined(good.errors));
  REQUIRE(good.ok());
  CHECK(good.config->scanner.url.scheme == "https");
  CHECK(good.config->server.tls.enabled());
  CHECK(good.config->ingress.rate_limit.per_node.enabled());
}
