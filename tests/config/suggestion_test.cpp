// "Did you mean" hints for misspelt setting names.
#include "config/suggestion.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;

TEST_CASE("edit distance counts single-character edits") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("listen", "listen") == 0);
  CHECK(edit_distance("listn", "listen") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("abc", "") == 3);
}

TEST_CASE("the closest candidate is suggested only when it is close") {
  std::vector<std::string> keys{"listen", "max_body_bytes", "io_threads"};
  CHECK(closest_match("listn", keys) == "listen");
  CHECK(closest_match("LISTEN", keys) == "listen");
  CHECK(closest_match("io_thread", keys) == "io_threads");
  CHECK(closest_match("max_bodybytes", keys) == "max_body_bytes");
  CHECK_FALSE(closest_match("completely_unrelated", keys));
  CHECK_FALSE(closest_match("xy", keys));
  CHECK_FALSE(closest_match("listen", {}));
}
