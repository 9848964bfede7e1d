// The example configuration shipped in examples/ stays loadable and keeps
// documenting every setting at its default.
#include "config/config_keys.hpp"
#include "config/config_loader.hpp"
#include "tests/config/config_test_support.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <string>

using namespace deltascan;
using deltascan::test::find_setting;
using deltascan::test::joined;

namespace {

const std::string example_path =
    std::string{DELTASCAN_SOURCE_DIR} + "/examples/deltascand.yaml";

} // namespace

TEST_CASE("the example configuration loads without errors or warnings") {
  auto result = load_config(example_path, {});
  INFO(joined(result.errors));
  REQUIRE(result.ok());
  CHECK(result.warnings.empty());
  CHECK(*result.config == daemon_config{});
}

TEST_CASE("the example configuration spells out every setting") {
  auto root = YAML::LoadFile(example_path);
  for (const auto& key : config_keys()) {
    INFO(key.name);
    auto node = find_setting(root, key.name);
    REQUIRE(node.IsDefined());
    CHECK(node.IsScalar());
  }
}
