// The effective configuration written as YAML: complete, readable back to
// the same configuration, and free of the scanner token.
#include "config/config_keys.hpp"
#include "config/config_loader.hpp"
#include "config/config_render.hpp"
#include "tests/config/config_test_support.hpp"
#include "tests/config/temp_directory.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <string>

using namespace deltascan;
using namespace std::chrono_literals;
using deltascan::test::find_setting;
using deltascan::test::joined;
using deltascan::test::temp_directory;

namespace {

// A configuration unlike the defaults in every setting, with values that
// YAML would misread unless quoted.
daemon_config unusual_config() {
  daemon_config cfg;
  cfg.server.listen = {"::1", 0};
  cfg.server.max_body_bytes = 123;
  cfg.server.max_batch_events = 1;
  cfg.server.io_threads = 256;
  cfg.server.drain_timeout = 0s;
  cfg.runtime.auto_scan_enabled = false;
  cfg.runtime.auto_scan_cooldown = 86400s;
  cfg.dedup.shards = 1024;
  cfg.dedup.purge_interval = 1s;
  cfg.scanner.url = {"http", "scanner.example.org", 80, "/api/v2"};
  cfg.scanner.token_file = "yes";
  cfg.scanner.timeout = 1ms;
  cfg.scanner.max_in_flight = 100000;
  cfg.scanner.retry.max_attempts = 100;
  cfg.log.level = log_level::error;
  cfg.log.format = log_format::json;
  return cfg;
}

// Reads rendered text back the way the daemon reads its file.
daemon_config read_back(const temp_directory& dir, const std::string& yaml) {
  auto path = dir.write("rendered.yaml", yaml);
  auto result = load_config(path.string(), {});
  INFO(yaml << joined(result.errors));
  REQUIRE(result.ok());
  CHECK(result.warnings.empty());
  return *result.config;
}

} // namespace

TEST_CASE("rendered defaults read back to the defaults") {
  temp_directory dir;
  auto yaml = render_config(daemon_config{});
  CHECK(read_back(dir, yaml) == daemon_config{});
}

TEST_CASE("a rendered configuration reads back to an equal one") {
  temp_directory dir;
  auto cfg = unusual_config();
  auto yaml = render_config(cfg);
  CHECK(read_back(dir, yaml) == cfg);
  SECTION("also with a path that needs escaping") {
    cfg.scanner.token_file = "/run/secrets/\"scanner\" token: #1";
    cfg.scanner.url.port = 65535;
    cfg.scanner.url.base_path = "";
    CHECK(read_back(dir, render_config(cfg)) == cfg);
  }
}

TEST_CASE("the rendering holds every setting of every section") {
  auto cfg = unusual_config();
  auto root = YAML::Load(render_config(cfg));
  REQUIRE(root.IsMap());
  for (const auto& key : config_keys()) {
    INFO(key.name);
    auto node = find_setting(root, key.name);
    REQUIRE(node.IsDefined());
    REQUIRE(node.IsScalar());
    CHECK(node.Scalar() == key.text(cfg));
  }
  CHECK(root["server"]["listen"].Scalar() == "[::1]:0");
  CHECK(root["scanner"]["url"].Scalar() == "http://scanner.example.org:80"
                                           "/api/v2");
}

TEST_CASE("the rendering shows the token file's path, never the token") {
  temp_directory dir;
  auto token_path = dir.write("token", "s3cr3t-t0ken\n");
  daemon_config cfg;
  cfg.scanner.token_file = token_path;
  auto yaml = render_config(cfg);
  CHECK(yaml.find(token_path.string()) != std::string::npos);
  CHECK(yaml.find("s3cr3t") == std::string::npos);
}
