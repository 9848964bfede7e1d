// Scan submissions to an https scanner (the stub scanner behind an HTTPS
// http_server on loopback): accepted when the scanner's certificate chains
// to the configured CA and names the host deltascand dialled, and a
// connection failure with a readable reason otherwise.
#include "model/drift_event.hpp"
#include "model/scan_submission.hpp"
#include "net/http_scanner_transport.hpp"
#include "net/stub_scanner.hpp"
#include "tests/net/tls_test_support.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <future>
#include <thread>

using namespace deltascan::net;
using namespace deltascan::net::tls_test;
using deltascan::failure_kind;
using deltascan::scan_outcome;
namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

deltascan::scan_submission submission_for(const std::string& event_id) {
  deltascan::drift_event event;
  event.event_id = event_id;
  event.tenant = "tenant-a";
  event.node = "node-1";
  event.image_ref = "registry.example/app:1.2";
  event.changed_files_count = 1;
  return deltascan::make_scan_submission(event,
                                         "sha256:" + std::string(64, 'b'));
}

/// An https stub scanner on 127.0.0.1.
struct https_scanner {
  explicit https_scanner(std::shared_ptr<ssl::context> tls)
      : stub{std::make_shared<stub_scanner>(executor_thread.get_executor())},
        runner{stub, std::move(tls)} {
    // nop
  }

  /// Runs the stub's timers; the server has its own thread.
  struct timer_thread {
    timer_thread() : work{asio::make_work_guard(ioc)} {
      thread = std::thread{[this] {
        ioc.run();
      }};
    }
    ~timer_thread() {
      work.reset();
      ioc.stop();
      thread.join();
    }
    asio::any_io_executor get_executor() { return ioc.get_executor(); }

    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    std::thread thread;
  };

  std::uint16_t port() const { return runner.endpoint().port(); }

  timer_thread executor_thread;
  std::shared_ptr<stub_scanner> stub;
  server_runner runner;
};

/// A transport on its own io thread, submitting to `host`:`port`.
struct client {
  client(std::string host, std::uint16_t port,
         std::shared_ptr<ssl::context> tls)
      : work{asio::make_work_guard(ioc)} {
    scanner_client_options options;
    options.endpoint = {std::move(host), port, ""};
    options.timeout = patience;
    options.max_connections = 2;
    options.tls = std::move(tls);
    transport = http_scanner_transport::make(ioc, options);
    thread = std::thread{[this] {
      ioc.run();
    }};
  }

  ~client() {
    transport->shutdown();
    work.reset();
    thread.join();
  }

  scan_outcome submit(const std::string& event_id) {
    // Shared, so a completion that comes after the test gave up finds it.
    auto promise = std::make_shared<std::promise<scan_outcome>>();
    auto future = promise->get_future();
    transport->submit(submission_for(event_id), [promise](scan_outcome o) {
      promise->set_value(std::move(o));
    });
    REQUIRE(future.wait_for(patience * 2) == std::future_status::ready);
    return future.get();
  }

  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::shared_ptr<http_scanner_transport> transport;
  std::thread thread;
};

} // namespace

TEST_CASE("a submission reaches an https scanner trusted through its CA",
          "[net][tls][scanner]") {
  const auto& certs = pki();
  https_scanner scanner{server_context(certs.server)};

  SECTION("dialled by address") {
    client c{"127.0.0.1", scanner.port(), client_context(certs.ca.cert)};
    auto outcome = c.submit("event-1");
    INFO(outcome.reason);
    CHECK(outcome.accepted);
    CHECK(scanner.stub->stats().accepted == 1);
  }

  SECTION("dialled by name, which also goes out as SNI") {
    client c{"localhost", scanner.port(), client_context(certs.ca.cert)};
    auto outcome = c.submit("event-1");
    INFO(outcome.reason);
    CHECK(outcome.accepted);
  }
}

TEST_CASE("submissions to an https scanner reuse the TLS connection",
          "[net][tls][scanner]") {
  const auto& certs = pki();
  https_scanner scanner{server_context(certs.server)};
  client c{"127.0.0.1", scanner.port(), client_context(certs.ca.cert)};
  for (auto id : {"event-1", "event-2", "event-3"}) {
    auto outcome = c.submit(id);
    INFO(outcome.reason);
    CHECK(outcome.accepted);
  }
  CHECK(scanner.stub->stats().accepted == 3);
  CHECK(c.transport->idle_connections() == 1);
  CHECK(scanner.runner.server().connection_count() == 1);
}

TEST_CASE("an https scanner whose certificate does not verify is a "
          "connection failure",
          "[net][tls][scanner]") {
  const auto& certs = pki();

  SECTION("signed by a CA deltascand does not trust") {
    https_scanner scanner{server_context(certs.server)};
    client c{"127.0.0.1", scanner.port(), client_context(certs.other_ca.cert)};
    auto outcome = c.submit("event-1");
    CHECK_FALSE(outcome.accepted);
    CHECK(outcome.kind == failure_kind::connection);
    CHECK_THAT(outcome.reason,
               Catch::Contains("TLS handshake with scanner") &&
                   Catch::Contains("certificate verify failed") &&
                   Catch::Contains("local issuer certificate"));
    CHECK(scanner.stub->stats().received == 0);
  }

  SECTION("for another address") {
    https_scanner scanner{server_context(certs.wrong_name)};
    client c{"127.0.0.1", scanner.port(), client_context(certs.ca.cert)};
    auto outcome = c.submit("event-1");
    CHECK(outcome.kind == failure_kind::connection);
    CHECK_THAT(outcome.reason, Catch::Contains("certificate verify failed") &&
                                   Catch::Contains("IP address mismatch"));
  }

  SECTION("for another name") {
    https_scanner scanner{server_context(certs.wrong_name)};
    client c{"localhost", scanner.port(), client_context(certs.ca.cert)};
    auto outcome = c.submit("event-1");
    CHECK(outcome.kind == failure_kind::connection);
    CHECK_THAT(outcome.reason, Catch::Contains("certificate verify failed") &&
                                   Catch::Contains("hostname mismatch"));
  }
}

TEST_CASE("https to a plain HTTP scanner is a connection failure",
          "[net][tls][scanner]") {
  const auto& certs = pki();
  https_scanner scanner{nullptr};
  client c{"127.0.0.1", scanner.port(), client_context(certs.ca.cert)};
  auto outcome = c.submit("event-1");
  CHECK_FALSE(outcome.accepted);
  CHECK(outcome.kind == failure_kind::connection);
  CHECK_THAT(outcome.reason, Catch::Contains("TLS handshake with scanner"));
}

TEST_CASE("a scanner that demands mutual TLS gets deltascand's certificate",
          "[net][tls][scanner]") {
  const auto& certs = pki();
  https_scanner scanner{server_context(certs.server, certs.ca.cert)};

  SECTION("with the client certificate the submission is accepted") {
    client c{"127.0.0.1", scanner.port(),
             client_context(certs.ca.cert, certs.client)};
    auto outcome = c.submit("event-1");
    INFO(outcome.reason);
    CHECK(outcome.accepted);
  }

  SECTION("without one it is a connection failure") {
    client c{"127.0.0.1", scanner.port(), client_context(certs.ca.cert)};
    auto outcome = c.submit("event-1");
    CHECK_FALSE(outcome.accepted);
    CHECK(outcome.kind == failure_kind::connection);
    // Under TLS 1.3 the refusal arrives as an alert after the handshake.
    CHECK_THAT(outcome.reason, Catch::Contains("certificate required"));
    CHECK(scanner.stub->stats().received == 0);
  }
}
