// The observers' bearer tokens: the digest they are compared by, and which
// Authorization headers pass, fail, or count as carrying no token.
#include "net/bearer_auth.hpp"
#include "net/sha256.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace deltascan::net;

namespace {

std::string hex(const sha256_digest& digest) {
  std::string out;
  char pair[3];
  for (auto byte : digest) {
    std::snprintf(pair, sizeof pair, "%02x", byte);
    out += pair;
  }
  return out;
}

} // namespace

TEST_CASE("sha256 matches the FIPS 180-4 examples", "[auth][sha256]") {
  CHECK(hex(sha256("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(
      hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(sha256(std::string(1'000'000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 pads lengths around the block boundaries right",
          "[auth][sha256]") {
  // Lengths where the padding needs one block or spills into a second.
  struct example {
    std::size_t length;
    const char* digest;
  };
  auto examples = {
      example{55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f7"
                  "34318"},
      example{56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec"
                  "6738a"},
      example{63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457dd"
                  "c2f34"},
      example{64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154"
                  "668eb"},
      example{65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17e"
                  "b0ae0"},
      example{119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea65"
                   "84dcfb"},
      example{120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af9"
                   "04c21c"},
  };
  for (const auto& e : examples) {
    INFO(e.length << " bytes");
    CHECK(hex(sha256(std::string(e.length, 'a'))) == e.digest);
  }
}

TEST_CASE("authentication off accepts every request", "[auth]") {
  bearer_auth auth;
  CHECK_FALSE(auth.enabled());
  CHECK(auth.token_count() == 0);
  CHECK(auth.check("") == auth_verdict::accepted);
  CHECK(auth.check("Bearer anything") == auth_verdict::accepted);
}

TEST_CASE("a bearer token passes only when it is accepted", "[auth]") {
  bearer_auth auth{{"first-token", "second-token"}};
  REQUIRE(auth.enabled());
  CHECK(auth.token_count() == 2);
  SECTION("every accepted token passes") {
    CHECK(auth.check("Bearer first-token") == auth_verdict::accepted);
    CHECK(auth.check("Bearer second-token") == auth_verdict::accepted);
  }
  SECTION("the scheme in any case") {
    CHECK(auth.check("bearer first-token") == auth_verdict::accepted);
    CHECK(auth.check("BEARER second-token") == auth_verdict::accepted);
    CHECK(auth.check("BeArEr first-token") == auth_verdict::accepted);
  }
  SECTION("extra spaces and tabs around the token") {
    CHECK(auth.check("Bearer    first-token") == auth_verdict::accepted);
    CHECK(auth.check("  Bearer\tfirst-token \t") == auth_verdict::accepted);
  }
  SECTION("the token is compared exactly") {
    CHECK(auth.check("Bearer FIRST-TOKEN") == auth_verdict::rejected);
    CHECK(auth.check("Bearer first-toke") == auth_verdict::rejected);
    CHECK(auth.check("Bearer first-tokenn") == auth_verdict::rejected);
    CHECK(auth.check("Bearer first-token second-token") ==
          auth_verdict::rejected);
    CHECK(auth.check("Bearer " + std::string(4096, 'x')) ==
          auth_verdict::rejected);
    CHECK(auth.check("Bearer x") == auth_verdict::rejected);
  }
  SECTION("an empty bearer token is rejected") {
    CHECK(auth.check("Bearer") == auth_verdict::rejected);
    CHECK(auth.check("Bearer ") == auth_verdict::rejected);
    CHECK(auth.check("Bearer \t  ") == auth_verdict::rejected);
  }
  SECTION("no header or another scheme carries no bearer token") {
    CHECK(auth.check("") == auth_verdict::missing);
    CHECK(auth.check("   ") == auth_verdict::missing);
    CHECK(auth.check("Basic Zmlyc3QtdG9rZW4=") == auth_verdict::missing);
    CHECK(auth.check("Bearerfirst-token") == auth_verdict::missing);
    CHECK(auth.check("first-token") == auth_verdict::missing);
  }
}

TEST_CASE("an empty token list accepts no token", "[auth]") {
  bearer_auth auth{std::vector<std::string>{}};
  CHECK(auth.enabled());
  CHECK(auth.check("Bearer anything") == auth_verdict::rejected);
  CHECK(auth.check("") == auth_verdict::missing);
}

TEST_CASE("replacing the tokens takes effect at once", "[auth][reload]") {
  bearer_auth auth{{"old-token"}};
  auth.accept_only({"new-token", "other-token"});
  CHECK(auth.token_count() == 2);
  CHECK(auth.check("Bearer old-token") == auth_verdict::rejected);
  CHECK(auth.check("Bearer new-token") == auth_verdict::accepted);
  auth.accept_all();
  CHECK_FALSE(auth.enabled());
  CHECK(auth.check("") == auth_verdict::accepted);
  auth.accept_only({"again"});
  CHECK(auth.check("") == auth_verdict::missing);
  CHECK(auth.check("Bearer again") == auth_verdict::accepted);
}

TEST_CASE("checks and replacements may run on different threads",
          "[auth][reload]") {
  // Under a sanitizer this exercises the lock; without one it still checks
  // that a replacement never lets a request in while tokens are swapped.
  bearer_auth auth{{"a-token"}};
  std::atomic<bool> done{false};
  std::thread replacer{[&] {
    for (int i = 0; i < 200; ++i)
      auth.accept_only(i % 2 == 0 ? std::vector<std::string>{"b-token"}
                                  : std::vector<std::string>{"a-token"});
    done = true;
  }};
  int checks = 0;
  int let_in = 0;
  while (!done || checks == 0) {
    let_in += auth.check("") != auth_verdict::missing;
    let_in += auth.check("Bearer c-token") != auth_verdict::rejected;
    ++checks;
  }
  CHECK(let_in == 0);
  replacer.join();
  CHECK(auth.check("Bearer a-token") == auth_verdict::accepted);
  CHECK(auth.check("Bearer b-token") == auth_verdict::rejected);
}
