// Who may post drift events to a running deltascand: only observers with a
// bearer token from server.auth.token_file, any of its tokens, with metrics
// and health open unless protected, and a rotated token file taking effect
// on reload while an unreadable one leaves the tokens in force.
#include "daemon/daemon_app.hpp"
#include "tests/daemon/daemon_fixture.hpp"
#include "tests/daemon/scratch_directory.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace deltascan;
using namespace deltascan::e2e;

namespace {

constexpr std::string_view challenge = R"(Bearer realm="deltascand")";
constexpr std::string_view invalid_token_challenge =
    R"(Bearer realm="deltascand", error="invalid_token")";

net::http_request with_token(net::http_request req,
                             std::optional<std::string> token) {
  if (token)
    req.set(http::field::authorization, "Bearer " + *token);
  return req;
}

/// Posts a drift batch of a fresh image with `token` (none: no header).
net::http_response post_drift(const tcp::endpoint& ep,
                              std::optional<std::string> token,
                              std::uint64_t digest) {
  auto id = std::to_string(digest);
  auto res =
      exchange_once(ep, with_token(post_batch(drift_batch("b-" + id, "e-" + id,
                                                          test_digest(digest))),
                                   std::move(token)));
  REQUIRE(res);
  return *res;
}

net::http_response get(const tcp::endpoint& ep, std::string_view target,
                       std::optional<std::string> token = {}) {
  auto res = exchange_once(
      ep, with_token(make_request(http::verb::get, target), std::move(token)));
  REQUIRE(res);
  return *res;
}

void check_refused(const net::http_response& res, std::string_view expected) {
  INFO(res.body());
  CHECK(res.result() == http::status::unauthorized);
  CHECK(res[http::field::www_authenticate] == expected);
  CHECK(res[http::field::content_type] == "application/problem+json");
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->status == 401);
  CHECK(problem->type == "https://deltascan.dev/problems/unauthorized");
}

void check_triggered(const net::http_response& res) {
  INFO(res.body());
  REQUIRE(res.result() == http::status::ok);
  auto counts = parse_batch_reply(res.body());
  REQUIRE(counts);
  CHECK(counts->triggered == 1);
}

} // namespace

TEST_CASE("batches need one of the accepted bearer tokens", "[daemon][auth]") {
  scratch_directory dir;
  auto tokens = dir.write("ingress-tokens", "# node observers\n"
                                            "first-token\n"
                                            "\n"
                                            "second-token\n");
  daemon_fixture f{[&](daemon_config& config) {
    config.server.auth.token_file = tokens;
  }};
  auto& stub = f.scanner.stub();

  check_refused(post_drift(f.endpoint(), std::nullopt, 0x8000), challenge);
  check_refused(post_drift(f.endpoint(), "guessed-token", 0x8001),
                invalid_token_challenge);
  check_refused(post_drift(f.endpoint(), "# node observers", 0x8002),
                invalid_token_challenge);
  CHECK(stub.stats().received == 0);

  check_triggered(post_drift(f.endpoint(), "first-token", 0x8003));
  check_triggered(post_drift(f.endpoint(), "second-token", 0x8004));
  CHECK(stub.stats().received == 2);

  // Metrics and health are open by default.
  CHECK(get(f.endpoint(), "/metrics").result() == http::status::ok);
  CHECK(get(f.endpoint(), "/healthz").result() == http::status::ok);
  CHECK(get(f.endpoint(), "/readyz").result() == http::status::ok);
}

TEST_CASE("metrics and health need a token when protected", "[daemon][auth]") {
  scratch_directory dir;
  auto tokens = dir.write("ingress-tokens", "probe-token\n");
  SECTION("metrics") {
    daemon_fixture f{[&](daemon_config& config) {
      config.server.auth.token_file = tokens;
      config.server.auth.protect_metrics = true;
    }};
    check_refused(get(f.endpoint(), "/metrics"), challenge);
    check_refused(get(f.endpoint(), "/metrics", "wrong"),
                  invalid_token_challenge);
    auto allowed = get(f.endpoint(), "/metrics", "probe-token");
    CHECK(allowed.result() == http::status::ok);
    CHECK_THAT(allowed.body(), Catch::Contains("scanner_delta_scan"));
    CHECK(get(f.endpoint(), "/healthz").result() == http::status::ok);
  }
  SECTION("health") {
    daemon_fixture f{[&](daemon_config& config) {
      config.server.auth.token_file = tokens;
      config.server.auth.protect_health = true;
    }};
    check_refused(get(f.endpoint(), "/healthz"), challenge);
    check_refused(get(f.endpoint(), "/readyz"), challenge);
    CHECK(get(f.endpoint(), "/readyz", "probe-token").result() ==
          http::status::ok);
    CHECK(get(f.endpoint(), "/metrics").result() == http::status::ok);
  }
}

TEST_CASE("without a token file batches need no token", "[daemon][auth]") {
  daemon_fixture f{[](daemon_config& config) {
    config.server.auth.protect_metrics = true;
    config.server.auth.protect_health = true;
  }};
  check_triggered(post_drift(f.endpoint(), std::nullopt, 0x8100));
  CHECK(get(f.endpoint(), "/metrics").result() == http::status::ok);
  CHECK(get(f.endpoint(), "/healthz").result() == http::status::ok);
}

TEST_CASE("a reload switches the accepted tokens", "[daemon][auth][reload]") {
  scratch_directory dir;
  auto tokens = dir.write("ingress-tokens", "old-token\n");
  daemon_fixture f{[&](daemon_config& config) {
    config.server.auth.token_file = tokens;
  }};
  auto& app = f.daemon->app();
  check_triggered(post_drift(f.endpoint(), "old-token", 0x8200));

  // Rotation: the new token works at once, the old one no longer.
  dir.write("ingress-tokens", "new-token\n");
  auto outcome = app.reload(app.config());
  CHECK_FALSE(outcome.error);
  CHECK(outcome.restart_needed.empty());
  check_refused(post_drift(f.endpoint(), "old-token", 0x8201),
                invalid_token_challenge);
  check_triggered(post_drift(f.endpoint(), "new-token", 0x8202));

  // A token file that cannot be read refuses the reload and keeps the
  // tokens in force, like the scanner token.
  auto broken = app.config();
  broken.server.auth.token_file = dir.path() / "missing-tokens";
  auto refused = app.reload(broken);
  REQUIRE(refused.error);
  CHECK_THAT(*refused.error, Catch::Contains("server.auth.token_file") &&
                                 Catch::Contains("missing-tokens"));
  CHECK(app.config().server.auth.token_file == tokens);
  check_triggered(post_drift(f.endpoint(), "new-token", 0x8203));

  // So does a file without any token; its content stays out of the error.
  dir.write("ingress-tokens", "# every token revoked\n");
  refused = app.reload(app.config());
  REQUIRE(refused.error);
  CHECK_THAT(*refused.error, Catch::Contains("server.auth.token_file"));
  CHECK_THAT(*refused.error, !Catch::Contains("revoked"));
  check_triggered(post_drift(f.endpoint(), "new-token", 0x8204));

  // The token file is a live setting: emptying it turns authentication
  // off, naming one again turns it back on.
  auto open = app.config();
  open.server.auth.token_file.clear();
  CHECK_FALSE(app.reload(open).error);
  check_triggered(post_drift(f.endpoint(), std::nullopt, 0x8205));
  dir.write("ingress-tokens", "back-token\n");
  auto closed = app.config();
  closed.server.auth.token_file = tokens;
  CHECK_FALSE(app.reload(closed).error);
  check_refused(post_drift(f.endpoint(), std::nullopt, 0x8206), challenge);
  check_triggered(post_drift(f.endpoint(), "back-token", 0x8207));
}

TEST_CASE("an unreadable token file stops the start and names the key",
          "[daemon][auth]") {
  scratch_directory dir;
  stub_scanner_runner scanner;
  auto config = test_config(scanner.port());
  SECTION("missing") {
    config.server.auth.token_file = dir.path() / "absent-tokens";
    daemon_app app{config};
    auto error = app.start();
    REQUIRE(error);
    CHECK_THAT(*error, Catch::StartsWith("server.auth.token_file: ") &&
                           Catch::Contains("absent-tokens") &&
                           Catch::Contains("No such file or directory"));
  }
  SECTION("without a token") {
    config.server.auth.token_file =
        dir.write("ingress-tokens", "# secret-looking comment\n\n");
    daemon_app app{config};
    auto error = app.start();
    REQUIRE(error);
    CHECK_THAT(*error, Catch::StartsWith("server.auth.token_file: ") &&
                           Catch::Contains("has no token"));
    CHECK_THAT(*error, !Catch::Contains("secret-looking"));
  }
}
