// deltascan-stub-scanner: the stand-in scanner API as a process, for running
// deltascand locally, for integration tests and for benchmarks. It prints
// `listening on HOST:PORT` on stdout once it accepts scan submissions (the
// real port when port 0 was asked for); logs go to stderr. With --tls-cert
// and --tls-key it serves HTTPS, for testing deltascand against an https
// scanner (and with --tls-client-ca, one that demands client certificates).
#include "net/http_server.hpp"
#include "net/stub_scanner.hpp"
#include "net/tls_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Reads `host:port` (IPv6 hosts in brackets); a host name is resolved.
std::optional<tcp::endpoint> parse_listen(const std::string& text,
                                          asio::io_context& ioc,
                                          std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    error = "expected HOST:PORT, got '" + text + "'";
    return std::nullopt;
  }
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::uint16_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(),
                                   port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size()) {
    error = "invalid port '" + port_text + "'";
    return std::nullopt;
  }
  boost::system::error_code address_ec;
  auto address = asio::ip::make_address(host, address_ec);
  if (!address_ec)
    return tcp::endpoint{address, port};
  tcp::resolver resolver{ioc};
  auto results = resolver.resolve(host, port_text, address_ec);
  if (address_ec || results.empty()) {
    error = "cannot resolve '" + host + "': " + address_ec.message();
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Stand-in for the vulnerability scanner's scan API"};
  std::string listen = "127.0.0.1:8081";
  std::int64_t latency_ms = 0;
  double failure_rate = 0.0;
  std::uint64_t seed = 1;
  unsigned io_threads = 1;
  std::string log_level = "info";
  deltascan::net::server_tls_files tls;
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks one")
      ->capture_default_str();
  app.add_option("--latency-ms", latency_ms, "delay before each reply")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--failure-rate", failure_rate,
                 "share of submissions answered 500")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--seed", seed, "seed of the failure draws")
      ->capture_default_str();
  app.add_option("--io-threads", io_threads, "threads serving connections")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember(
          {"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--tls-cert", tls.cert_file,
                 "PEM certificate chain; serves HTTPS when set");
  app.add_option("--tls-key", tls.key_file, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", tls.client_ca_file,
                 "PEM CA bundle that client certificates must chain to");
  CLI11_PARSE(app, argc, argv);
  if (tls.cert_file.empty() != tls.key_file.empty() ||
      (!tls.client_ca_file.empty() && tls.cert_file.empty())) {
    std::cerr << "--tls-cert and --tls-key go together, and --tls-client-ca "
                 "needs both\n";
    return 2;
  }

  // Logs go to stderr so that stdout carries only the address line scripts
  // read.
  spdlog::set_default_logger(spdlog::stderr_color_mt("stub-scanner"));
  auto log = spdlog::default_logger();
  spdlog::set_level(spdlog::level::from_str(log_level));

  asio::io_context ioc{static_cast<int>(io_threads)};
  std::string error;
  auto endpoint = parse_listen(listen, ioc, error);
  if (!endpoint) {
    log->error("stub-scanner cannot listen on {}: {}", listen, error);
    return 2;
  }
  deltascan::net::stub_scanner_options options;
  options.latency = std::chrono::milliseconds{latency_ms};
  options.failure_rate = failure_rate;
  options.seed = seed;
  auto stub = std::make_shared<deltascan::net::stub_scanner>(ioc.get_executor(),
                                                             options);
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  if (!tls.cert_file.empty()) {
    auto made = deltascan::net::make_server_tls_context(tls, "tls");
    if (!made) {
      log->error("stub-scanner cannot serve HTTPS: {}", made.error);
      return 2;
    }
    tls_context = std::move(made.context);
  }
  deltascan::net::http_server server{ioc, stub, {}, tls_context};
  if (auto ec = server.listen(*endpoint)) {
    log->error("stub-scanner failed to listen on {}: {}",
               deltascan::net::endpoint_text(*endpoint), ec.message());
    return 1;
  }
  auto bound = deltascan::net::endpoint_text(server.local_endpoint());
  log->info("stub-scanner listening on {} over {} (latency {} ms, failure "
            "rate {}, seed {})",
            bound, tls_context ? "HTTPS" : "HTTP", latency_ms, failure_rate,
            seed);
  std::cout << "listening on " << bound << std::endl;
  server.start();

  // Once the server has closed every connection the io_context runs out of
  // work and the threads return.
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec)
      return;
    log->info("stub-scanner stopping on signal {}", signal);
    server.close_all();
  });
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < io_threads; ++i)
    threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& thread : threads)
    thread.join();
  log->info("stub-scanner stopped");
  return 0;
}
