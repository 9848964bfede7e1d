// A configuration reload while deltascand runs: the next batch follows the
// new runtime options (auto-scan, cooldown) and its scan submissions carry
// the rotated scanner token; settings that need a restart are reported, and
// a reload that cannot read its token changes nothing.
#include "tests/daemon/daemon_fixture.hpp"
#include "tests/daemon/scratch_directory.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace deltascan;
using namespace deltascan::e2e;

TEST_CASE("a reload applies to the next batch without a restart",
          "[daemon][reload]") {
  scratch_directory dir;
  auto token = dir.write("scanner-token", "first-token\n");
  daemon_fixture f{[&](daemon_config& config) {
    config.scanner.token_file = token;
  }};
  auto& app = f.daemon->app();
  auto& stub = f.scanner.stub();
  auto digest = test_digest(0x7000);

  auto first = post_ok(f.endpoint(), drift_batch("r-1", "e-1", digest));
  CHECK(first.triggered == 1);
  REQUIRE(stub.requests().size() == 1);
  CHECK(stub.requests()[0].authorization == "Bearer first-token");

  // A rotated token and no cooldown: the same image is submitted again, with
  // the new token. The io_threads change waits for a restart.
  dir.write("scanner-token", "second-token\n");
  auto next = app.config();
  next.runtime.auto_scan_cooldown = std::chrono::seconds{0};
  next.server.io_threads = 3;
  auto outcome = app.reload(next);
  CHECK_FALSE(outcome.error);
  CHECK(outcome.restart_needed ==
        std::vector<std::string>{"server.io_threads"});
  CHECK(app.config().server.io_threads == 2);
  auto second = post_ok(f.endpoint(), drift_batch("r-2", "e-2", digest));
  CHECK(second.triggered == 1);
  CHECK(second.deduped == 0);
  REQUIRE(stub.requests().size() == 2);
  CHECK(stub.requests()[1].authorization == "Bearer second-token");

  // Auto-scan off: drift is counted as skipped and nothing is submitted.
  next.runtime.auto_scan_enabled = false;
  CHECK_FALSE(app.reload(next).error);
  auto third =
      post_ok(f.endpoint(), drift_batch("r-3", "e-3", test_digest(0x7001)));
  CHECK(third.skipped == 1);
  CHECK(third.triggered == 0);
  CHECK(stub.stats().received == 2);

  // A token file that cannot be read rejects the whole reload, so the
  // auto-scan switch in the same configuration is not applied either.
  auto broken = next;
  broken.runtime.auto_scan_enabled = true;
  broken.scanner.token_file = dir.path() / "missing-token";
  auto refused = app.reload(broken);
  REQUIRE(refused.error);
  CHECK_THAT(*refused.error, Catch::Contains("scanner.token_file"));
  CHECK_FALSE(app.config().runtime.auto_scan_enabled);
  auto fourth =
      post_ok(f.endpoint(), drift_batch("r-4", "e-4", test_digest(0x7002)));
  CHECK(fourth.skipped == 1);
  CHECK(stub.stats().received == 2);
}
