// Which changed settings a configuration reload cannot apply while
// deltascand runs.
#include "config/config_keys.hpp"
#include "config/config_reload.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace deltascan;
using namespace std::chrono_literals;

TEST_CASE("an unchanged configuration needs no restart") {
  daemon_config cfg;
  cfg.server.io_threads = 7;
  CHECK(keys_needing_restart(cfg, cfg).empty());
}

TEST_CASE("runtime options, log level and token file apply without restart") {
  daemon_config old_cfg;
  auto new_cfg = old_cfg;
  new_cfg.runtime.auto_scan_enabled = false;
  new_cfg.runtime.auto_scan_cooldown = 1s;
  new_cfg.log.level = log_level::debug;
  new_cfg.scanner.token_file = "/run/secrets/new-token";
  REQUIRE_FALSE(new_cfg == old_cfg);
  CHECK(keys_needing_restart(old_cfg, new_cfg).empty());
}

TEST_CASE("every other changed setting needs a restart") {
  daemon_config old_cfg;
  auto new_cfg = old_cfg;
  new_cfg.server.listen.port = 9090;
  new_cfg.server.io_threads = 4;
  new_cfg.scanner.url.base_path = "/v2";
  new_cfg.scanner.retry.max_attempts = 2;
  new_cfg.log.format = log_format::json;
  new_cfg.log.level = log_level::warn;
  CHECK(keys_needing_restart(old_cfg, new_cfg) ==
        std::vector<std::string>{"server.listen", "server.io_threads",
                                 "scanner.url", "scanner.retry.max_attempts",
                                 "log.format"});
}

TEST_CASE("each restart setting is detected on its own") {
  daemon_config old_cfg;
  // Changes every setting at once, then checks the list holds exactly the
  // settings that are not live.
  auto new_cfg = old_cfg;
  new_cfg.server.listen = {"::1", 1};
  new_cfg.server.max_body_bytes = 1;
  new_cfg.server.max_batch_events = 1;
  new_cfg.server.io_threads = 1;
  new_cfg.server.drain_timeout = 1s;
  new_cfg.runtime.auto_scan_enabled = false;
  new_cfg.runtime.auto_scan_cooldown = 1s;
  new_cfg.dedup.shards = 1;
  new_cfg.dedup.purge_interval = 1s;
  new_cfg.scanner.url.host = "scanner";
  new_cfg.scanner.token_file = "token";
  new_cfg.scanner.timeout = 1ms;
  new_cfg.scanner.max_in_flight = 1;
  new_cfg.scanner.retry.max_attempts = 5;
  new_cfg.log.level = log_level::error;
  new_cfg.log.format = log_format::json;
  CHECK(keys_needing_restart(old_cfg, new_cfg) ==
        std::vector<std::string>{"server.listen", "server.max_body_bytes",
                                 "server.max_batch_events", "server.io_threads",
                                 "server.drain_timeout_seconds", "dedup.shards",
                                 "dedup.purge_interval_seconds", "scanner.url",
                                 "scanner.timeout_ms", "scanner.max_in_flight",
                                 "scanner.retry.max_attempts", "log.format"});
}
