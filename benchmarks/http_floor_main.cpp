// deltascan-http-floor: the fastest deltascand could ever take batches of
// runtime events on this machine. It is deltascand's own HTTP server (same
// sessions, limits and keep-alive) with a handler that reads each body and
// answers a fixed `200 {}` without looking at it: no JSON, no actors, no
// scans. It prints `listening on HOST:PORT` on stdout once it accepts.
#include "benchmarks/host_port.hpp"
#include "net/http_server.hpp"
#include "net/request_handler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace net = deltascan::net;
using tcp = asio::ip::tcp;

/// Accepts any request whole and answers `200 {}` at once.
class fixed_reply_handler final : public net::request_handler {
public:
  void handle(net::http_request&& req, net::responder reply) override {
    net::http_response res{net::http::status::ok, req.version()};
    res.set(net::http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = "{}";
    res.prepare_payload();
    reply.send(std::move(res));
  }
};

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"deltascand's HTTP server answering every request 200 {} "
               "without parsing it: the transport floor"};
  std::string listen = "127.0.0.1:0";
  unsigned io_threads = 1;
  std::size_t max_body_bytes = 4 << 20;
  std::string log_level = "warn";
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks one")
      ->capture_default_str();
  app.add_option("--io-threads", io_threads, "threads serving connections")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_option("--max-body-bytes", max_body_bytes,
                 "largest body read; larger ones get 413")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember(
          {"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // stdout carries only the address line scripts wait for.
  spdlog::set_default_logger(spdlog::stderr_color_mt("http-floor"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  auto log = spdlog::default_logger();

  std::string error;
  auto address = deltascan::bench::split_host_port(listen, error);
  asio::io_context ioc{static_cast<int>(io_threads)};
  tcp::endpoint endpoint;
  if (address) {
    boost::system::error_code ec;
    tcp::resolver resolver{ioc};
    auto results = resolver.resolve(address->host, address->port, ec);
    if (ec || results.empty())
      error = "cannot resolve '" + address->host + "': " + ec.message();
    else
      endpoint = results.begin()->endpoint();
  }
  if (!error.empty()) {
    log->error("http-floor cannot listen on {}: {}", listen, error);
    return 2;
  }
  net::server_limits limits;
  limits.max_body_bytes = max_body_bytes;
  net::http_server server{ioc, std::make_shared<fixed_reply_handler>(), limits};
  if (auto ec = server.listen(endpoint)) {
    log->error("http-floor failed to listen on {}: {}",
               net::endpoint_text(endpoint), ec.message());
    return 1;
  }
  auto bound = net::endpoint_text(server.local_endpoint());
  log->info("http-floor listening on {} with {} io threads", bound, io_threads);
  std::cout << "listening on " << bound << std::endl;
  server.start();

  // Closing every connection leaves the io_context without work, so the
  // threads return and the process exits 0.
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec)
      return;
    log->info("http-floor stopping on signal {}", signal);
    server.close_all();
  });
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < io_threads; ++i)
    threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& thread : threads)
    thread.join();
  log->info("http-floor stopped");
  return 0;
}
