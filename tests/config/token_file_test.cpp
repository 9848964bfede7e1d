// Reading the scanner's API token from its file.
#include "config/token_file.hpp"
#include "tests/config/temp_directory.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;
using deltascan::test::temp_directory;

TEST_CASE("the token is the first non-blank line, trimmed") {
  temp_directory dir;
  SECTION("a file with just the token") {
    auto result = read_token_file(dir.write("token", "abc123"));
    REQUIRE(result.token);
    CHECK(*result.token == "abc123");
    CHECK(result.error.empty());
  }
  SECTION("blank lines, spaces and CRLF around it") {
    auto result = read_token_file(
        dir.write("token", "\n   \r\n\t  abc123 \r\nsecond-line\n"));
    REQUIRE(result.token);
    CHECK(*result.token == "abc123");
  }
}

TEST_CASE("a token file without a token is an error") {
  temp_directory dir;
  for (auto content : {"", "\n", "  \n\t\r\n"}) {
    auto path = dir.write("token", content);
    auto result = read_token_file(path);
    CHECK_FALSE(result.token);
    CHECK(result.error.find(path.string()) != std::string::npos);
    CHECK(result.error.find("is empty") != std::string::npos);
  }
}

TEST_CASE("a missing token file names the path and the reason") {
  temp_directory dir;
  auto path = dir.path() / "absent";
  auto result = read_token_file(path);
  CHECK_FALSE(result.token);
  CHECK(result.error == "cannot read token file " + path.string() +
                            ": No such file or directory");
}
