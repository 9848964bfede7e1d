// deltascand with TLS on both sides, in the test process: an observer posts
// a drift batch over mutual TLS, and the scan submission reaches an https
// stub scanner that demands deltascand's client certificate. Bad TLS files
// stop start-up with a message naming the setting. The stub scanner binary
// serves HTTPS for scripts.
#include "net/stub_scanner.hpp"
#include "tests/daemon/child_process.hpp"
#include "tests/daemon/daemon_fixture.hpp"
#include "tests/daemon/http_test_client.hpp"
#include "tests/net/tls_test_support.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <catch2/catch.hpp>

#include <thread>

using namespace deltascan;
namespace tls_test = deltascan::net::tls_test;
namespace asio = boost::asio;

namespace {

const std::string stub_binary = DELTASCAN_BIN_DIR "/deltascan-stub-scanner";

/// The stub scanner over HTTPS, its timers on their own thread.
struct https_stub {
  explicit https_stub(std::shared_ptr<asio::ssl::context> tls)
      : work{asio::make_work_guard(timers)},
        stub{std::make_shared<net::stub_scanner>(timers.get_executor())},
        runner{stub, std::move(tls)} {
    thread = std::thread{[this] {
      timers.run();
    }};
  }

  ~https_stub() {
    work.reset();
    timers.stop();
    thread.join();
  }

  asio::io_context timers;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::shared_ptr<net::stub_scanner> stub;
  tls_test::server_runner runner;
  std::thread thread;
};

daemon_config tls_config(std::uint16_t scanner_port) {
  const auto& certs = tls_test::pki();
  auto config = e2e::test_config(scanner_port);
  config.server.tls = {certs.server.cert, certs.server.key, certs.ca.cert};
  config.scanner.url = {"https", "127.0.0.1", scanner_port, ""};
  config.scanner.tls = {certs.ca.cert, certs.client.cert, certs.client.key};
  return config;
}

} // namespace

TEST_CASE("deltascand takes batches over mutual TLS and submits over https",
          "[daemon][tls]") {
  const auto& certs = tls_test::pki();
  https_stub scanner{tls_test::server_context(certs.server, certs.ca.cert)};
  e2e::daemon_runner daemon{tls_config(scanner.runner.endpoint().port())};

  tls_test::tls_client observer{
      tls_test::client_context(certs.ca.cert, certs.client)};
  REQUIRE_FALSE(observer.connect(daemon.endpoint()));
  net::http_response res;
  REQUIRE_FALSE(
      observer.exchange(e2e::post_batch(e2e::drift_batch("batch-1", "event-1",
                                                         e2e::test_digest(1)),
                                        "application/json"),
                        res));
  INFO(res.body());
  REQUIRE(res.result() == net::http::status::ok);
  auto counts = e2e::parse_batch_reply(res.body());
  REQUIRE(counts);
  CHECK(counts->triggered == 1);
  CHECK(scanner.stub->stats().accepted == 1);

  // An observer without a certificate gets nothing through.
  tls_test::tls_client stranger{tls_test::client_context(certs.ca.cert)};
  auto refused = stranger.connect(daemon.endpoint());
  if (!refused)
    refused =
        stranger.exchange(e2e::post_batch(e2e::drift_batch("batch-2", "event-2",
                                                           e2e::test_digest(2)),
                                          "application/json"),
                          res);
  CHECK(refused);
  CHECK(scanner.stub->stats().received == 1);
}

TEST_CASE("deltascand refuses to start with a bad TLS file", "[daemon][tls]") {
  const auto& certs = tls_test::pki();
  auto config = tls_config(e2e::closed_port());

  SECTION("the server's key does not match its certificate") {
    config.server.tls.key_file = certs.client.key;
    daemon_app app{config};
    auto err = app.start();
    REQUIRE(err);
    CHECK_THAT(*err, Catch::StartsWith("server.tls.key_file: " +
                                       certs.client.key.string()));
  }

  SECTION("the scanner's CA file is missing") {
    config.scanner.tls.ca_file = certs.dir / "missing-ca.pem";
    daemon_app app{config};
    auto err = app.start();
    REQUIRE(err);
    CHECK_THAT(*err, Catch::StartsWith("scanner.tls.ca_file: " +
                                       config.scanner.tls.ca_file.string()));
  }
}

TEST_CASE("the stub scanner binary serves HTTPS with --tls-cert and --tls-key",
          "[daemon][tls]") {
  const auto& certs = tls_test::pki();
  e2e::scratch_directory dir;

  SECTION("good files") {
    e2e::child_process stub{stub_binary,
                            {"--listen", "127.0.0.1:0", "--tls-cert",
                             certs.server.cert.string(), "--tls-key",
                             certs.server.key.string()},
                            dir.path() / "out.txt",
                            dir.path() / "err.txt"};
    REQUIRE(stub.started());
    auto port = stub.wait_for_listening(tls_test::patience);
    INFO(stub.stderr_text());
    REQUIRE(port);
    tls_test::tls_client client{tls_test::client_context(certs.ca.cert)};
    REQUIRE_FALSE(client.connect({asio::ip::make_address("127.0.0.1"), *port}));
    net::http_response res;
    REQUIRE_FALSE(client.exchange(tls_test::make_get("/stub/stats"), res));
    CHECK(res.result() == net::http::status::ok);
    CHECK_THAT(res.body(), Catch::Contains("\"received\":0"));
  }

  SECTION("a key of another certificate") {
    std::string out;
    std::string err;
    auto code = e2e::run_to_exit(stub_binary,
                                 {"--listen", "127.0.0.1:0", "--tls-cert",
                                  certs.server.cert.string(), "--tls-key",
                                  certs.client.key.string()},
                                 dir, out, err, tls_test::patience);
    CHECK(code == 2);
    CHECK_THAT(err,
               Catch::Contains("tls.key_file: " + certs.client.key.string()));
    CHECK(out.empty());
  }
}
