// Reading the scanner's API token and the observers' accepted tokens.
#include "config/token_file.hpp"
#include "tests/config/temp_directory.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

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

TEST_CASE("a token list holds every token line, trimmed, in file order") {
  temp_directory dir;
  SECTION("one token") {
    auto result = read_token_list(dir.write("tokens", "abc123"));
    CHECK(result.tokens == std::vector<std::string>{"abc123"});
    CHECK(result.error.empty());
  }
  SECTION("comments, blank lines, spaces and CRLF") {
    auto result = read_token_list(dir.write("tokens", "# rotated 2026-12\r\n"
                                                      "\n"
                                                      "  old-token \r\n"
                                                      "\t# next one\n"
                                                      "new-token\t\n"
                                                      "   \n"
                                                      "third"));
    CHECK(result.tokens ==
          std::vector<std::string>{"old-token", "new-token", "third"});
    CHECK(result.error.empty());
  }
  SECTION("a # inside a token is part of it") {
    auto result = read_token_list(dir.write("tokens", "ab#cd\n"));
    CHECK(result.tokens == std::vector<std::string>{"ab#cd"});
  }
}

TEST_CASE("a token list without a token is an error that hides the file") {
  temp_directory dir;
  for (auto content : {"", "\n \r\n", "# only-a-comment\n  #another\n"}) {
    auto path = dir.write("tokens", content);
    auto result = read_token_list(path);
    CHECK(result.tokens.empty());
    CHECK(result.error.find(path.string()) != std::string::npos);
    CHECK(result.error.find("has no token") != std::string::npos);
    CHECK(result.error.find("only-a-comment") == std::string::npos);
  }
}

TEST_CASE("a missing or unreadable token list names the path and reason") {
  temp_directory dir;
  SECTION("missing") {
    auto path = dir.path() / "absent";
    auto result = read_token_list(path);
    CHECK(result.tokens.empty());
    CHECK(result.error == "cannot read token file " + path.string() +
                              ": No such file or directory");
  }
  SECTION("a directory") {
    auto result = read_token_list(dir.path());
    CHECK(result.tokens.empty());
    CHECK(result.error ==
          "cannot read token file " + dir.path().string() + ": Is a directory");
  }
}
