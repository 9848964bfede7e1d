// The cooldown table must behave like a plain map from digest to trigger
// time, whatever the digest's spelling, through growth, purges and shrinks.
#include "model/cooldown_table.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>

using namespace deltascan;
using namespace std::chrono_literals;

namespace {

using time_point = cooldown_table::time_point;

std::string sha256_digest(std::uint64_t n) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string result = "sha256:";
  std::mt19937_64 bits{n};
  for (int i = 0; i < 64; ++i)
    result += hex[bits() & 15];
  return result;
}

time_point at(std::chrono::seconds s) {
  return time_point{s};
}

} // namespace

TEST_CASE("recorded digests are found with their trigger time") {
  cooldown_table table;
  CHECK_FALSE(table.last_triggered(sha256_digest(1)));
  table.record(sha256_digest(1), at(10s));
  table.record("sha512:abc", at(20s));
  table.record("sha256:short", at(30s));
  CHECK(table.last_triggered(sha256_digest(1)) == at(10s));
  CHECK(table.last_triggered("sha512:abc") == at(20s));
  CHECK(table.last_triggered("sha256:short") == at(30s));
  CHECK_FALSE(table.last_triggered(sha256_digest(2)));
  CHECK(table.size() == 3);
  table.record(sha256_digest(1), at(40s));
  CHECK(table.last_triggered(sha256_digest(1)) == at(40s));
  CHECK(table.size() == 3);
}

TEST_CASE("non-hex sha256 digests use the fallback and stay distinct") {
  cooldown_table table;
  auto almost = sha256_digest(7);
  almost.back() = 'z';
  table.record(almost, at(1s));
  table.record(sha256_digest(7), at(2s));
  CHECK(table.last_triggered(almost) == at(1s));
  CHECK(table.last_triggered(sha256_digest(7)) == at(2s));
}

TEST_CASE("purge forgets exactly the digests at or past the horizon") {
  cooldown_table table;
  for (int i = 0; i < 1000; ++i)
    table.record(sha256_digest(i), at(std::chrono::seconds{i}));
  table.record("sha512:old", at(0s));
  table.record("sha512:new", at(900s));
  auto purged = table.purge(at(1000s), 500s);
  // Times 0..500 are at least 500 s old: 501 packed plus one fallback.
  CHECK(purged == 502);
  CHECK(table.size() == 1000 + 2 - 502);
  for (int i = 0; i < 1000; ++i) {
    INFO(i);
    if (i <= 500)
      CHECK_FALSE(table.last_triggered(sha256_digest(i)));
    else
      CHECK(table.last_triggered(sha256_digest(i)) ==
            at(std::chrono::seconds{i}));
  }
  CHECK(table.last_triggered("sha512:new"));
  CHECK_FALSE(table.last_triggered("sha512:old"));
}

TEST_CASE("the table agrees with a reference map under random operations") {
  cooldown_table table;
  std::map<std::string, time_point> reference;
  std::mt19937_64 rng{99};
  for (int step = 0; step < 20000; ++step) {
    auto digest = sha256_digest(rng() % 3000);
    auto now = at(std::chrono::seconds{step});
    switch (rng() % 10) {
    case 0: {
      auto horizon = std::chrono::seconds{rng() % 4000};
      table.purge(now, horizon);
      std::erase_if(reference,
                    [&](const auto& e) { return e.second <= now - horizon; });
      break;
    }
    case 1:
    case 2:
    case 3:
      table.record(digest, now);
      reference[digest] = now;
      break;
    default: {
      auto i = reference.find(digest);
      auto found = table.last_triggered(digest);
      if (i == reference.end())
        REQUIRE_FALSE(found);
      else
        REQUIRE(found == i->second);
    }
    }
    REQUIRE(table.size() == reference.size());
  }
}

TEST_CASE("a million digests cost under 96 bytes each") {
  cooldown_table table;
  for (std::uint64_t i = 0; i < 1'000'000; ++i)
    table.record(sha256_digest(i), at(1s));
  CHECK(table.size() == 1'000'000);
  CHECK(table.memory_bytes() < 96 * table.size());
  table.purge(at(10s), 5s);
  CHECK(table.size() == 0);
  // The memory of an expired burst is given back.
  CHECK(table.memory_bytes() < 4096);
}
