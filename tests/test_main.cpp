// The Catch2 entry point shared by all test binaries. The daemon's logs are
// silenced unless TEST_LOG_LEVEL names a level (debug, info, warn, ...), so
// test output shows failures, not the chatter of passing cases.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>

int main(int argc, char* argv[]) {
  const char* level = std::getenv("TEST_LOG_LEVEL");
  spdlog::set_level(level != nullptr ? spdlog::level::from_str(level)
                                     : spdlog::level::off);
  return Catch::Session().run(argc, argv);
}
