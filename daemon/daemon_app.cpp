#include "daemon/daemon_app.hpp"

#include "actors/core.hpp"
#include "actors/core_metrics.hpp"
#include "actors/logging.hpp"
#include "config/config_reload.hpp"
#include "config/token_file.hpp"
#include "daemon/logging_setup.hpp"
#include "net/daemon_handler.hpp"
#include "net/http_scanner_transport.hpp"
#include "net/http_server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <deltascan/version.hpp>
#include <prometheus/registry.h>
#include <sched.h>

#include <algorithm>
#include <thread>

namespace deltascan {

namespace asio = boost::asio;
using work_guard = asio::executor_work_guard<asio::io_context::executor_type>;

struct daemon_app::impl {
  std::shared_ptr<prometheus::Registry> registry =
      std::make_shared<prometheus::Registry>();
  live_runtime_options_ptr options;
  std::unique_ptr<core_metrics> metrics;
  caf::actor_system_config caf_config;
  std::unique_ptr<caf::actor_system> system;
  // The io_contexts come after the actor system so that their pending
  // handlers, which may hold actor handles, die while the system exists.
  asio::io_context client_ioc{1};
  asio::io_context server_ioc;
  std::optional<work_guard> client_guard;
  // While draining, the acceptor is closed and sessions wait on the actors
  // with no I/O pending; without this guard the server threads would return
  // and the replies of the batches in flight would never be written.
  std::optional<work_guard> server_guard;
  std::vector<std::thread> client_threads;
  std::vector<std::thread> server_threads;
  std::shared_ptr<net::http_scanner_transport> transport;
  std::unique_ptr<actor_core> core;
  std::shared_ptr<net::daemon_status> status =
      std::make_shared<net::daemon_status>();
  std::shared_ptr<net::daemon_handler> handler;
  std::unique_ptr<net::http_server> server;
  bool started = false;
  bool stopped = false;
};

namespace {

// Reads the scanner token named by the configuration, if any.
std::optional<std::string> read_token(const daemon_config& config,
                                      std::optional<std::string>& token) {
  token.reset();
  if (config.scanner.token_file.empty())
    return std::nullopt;
  auto read = read_token_file(config.scanner.token_file);
  if (!read.token)
    return "scanner.token_file: " + read.error;
  token = std::move(read.token);
  return std::nullopt;
}

std::optional<asio::ip::tcp::endpoint> resolve_listen(const host_port& listen,
                                                      std::string& error) {
  asio::io_context ioc;
  asio::ip::tcp::resolver resolver{ioc};
  boost::system::error_code ec;
  auto results = resolver.resolve(listen.host, std::to_string(listen.port),
                                  asio::ip::tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    error = "cannot resolve server.listen " + to_string(listen) + ": " +
            (ec ? ec.message() : std::string{"no address"});
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

// CPUs this process may run on. CAF sizes its scheduler by the hardware's
// count; under taskset or a container's cpuset that oversubscribes the
// allowed cores with workers that spin while idle, taking time from the I/O
// threads.
std::size_t usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

core_settings make_core_settings(const daemon_config& config) {
  core_settings result;
  result.shards = effective_shards(config.dedup);
  result.limits.max_events = config.server.max_batch_events;
  result.purge_interval = config.dedup.purge_interval;
  result.max_in_flight = config.scanner.max_in_flight;
  // The transport's timeout bounds each attempt; the shard's own deadline
  // only catches a transport that never answers, so it leaves a margin.
  auto attempts = static_cast<long>(config.scanner.retry.max_attempts);
  result.submission_timeout =
      config.scanner.timeout * attempts + std::chrono::seconds{5};
  return result;
}

} // namespace

daemon_app::daemon_app(daemon_config config)
    : config_{std::move(config)}, impl_{std::make_unique<impl>()} {
  // nop
}

daemon_app::~daemon_app() {
  stop();
}

prometheus::Registry& daemon_app::registry() {
  return *impl_->registry;
}

std::optional<std::string> daemon_app::start() {
  auto& m = *impl_;
  std::optional<std::string> token;
  if (auto err = read_token(config_, token))
    return err;
  std::string resolve_error;
  auto endpoint = resolve_listen(config_.server.listen, resolve_error);
  if (!endpoint)
    return resolve_error;
  auto settings = make_core_settings(config_);
  m.options = std::make_shared<live_runtime_options>(config_.runtime);
  m.metrics = std::make_unique<core_metrics>(*m.registry, settings.shards);
  m.caf_config.set("scheduler.max-threads", usable_cpus());
  m.system = std::make_unique<caf::actor_system>(m.caf_config);
  net::scanner_client_options client_options;
  client_options.endpoint = {config_.scanner.url.host, config_.scanner.url.port,
                             config_.scanner.url.base_path};
  client_options.timeout = config_.scanner.timeout;
  client_options.max_connections = config_.scanner.max_in_flight;
  m.transport = net::http_scanner_transport::make(m.client_ioc, client_options);
  m.transport->set_bearer_token(std::move(token));
  m.core = std::make_unique<actor_core>(*m.system, settings, m.transport,
                                        m.options, m.metrics.get());
  m.handler =
      std::make_shared<net::daemon_handler>(*m.core, m.registry, m.status);
  net::server_limits limits;
  limits.max_body_bytes = config_.server.max_body_bytes;
  m.server =
      std::make_unique<net::http_server>(m.server_ioc, m.handler, limits);
  m.started = true;
  if (auto ec = m.server->listen(*endpoint))
    return "cannot listen on " + to_string(config_.server.listen) + ": " +
           ec.message();
  m.server->start();
  m.client_guard.emplace(m.client_ioc.get_executor());
  m.client_threads.emplace_back([&m] { m.client_ioc.run(); });
  m.server_guard.emplace(m.server_ioc.get_executor());
  for (std::size_t i = 0; i < config_.server.io_threads; ++i)
    m.server_threads.emplace_back([&m] { m.server_ioc.run(); });
  m.status->set(net::daemon_phase::ready);
  component_logger("deltascand")
      ->info("deltascand {} listening on {} with {} dedup shards, "
             "submitting scans to {}",
             version, net::endpoint_text(m.server->local_endpoint()),
             settings.shards, to_string(config_.scanner.url));
  return std::nullopt;
}

asio::ip::tcp::endpoint daemon_app::local_endpoint() const {
  return impl_->server->local_endpoint();
}

daemon_app::reload_outcome daemon_app::reload(const daemon_config& next) {
  reload_outcome result;
  std::optional<std::string> token;
  if (auto err = read_token(next, token)) {
    result.error = std::move(err);
    return result;
  }
  result.restart_needed = keys_needing_restart(config_, next);
  config_.runtime = next.runtime;
  config_.log.level = next.log.level;
  config_.scanner.token_file = next.scanner.token_file;
  impl_->options->store(next.runtime);
  set_log_level(next.log.level);
  impl_->transport->set_bearer_token(std::move(token));
  return result;
}

bool daemon_app::drain(std::chrono::milliseconds timeout) {
  auto& m = *impl_;
  m.status->set(net::daemon_phase::draining);
  m.server->stop_accepting();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // The server offers counts, not notifications; a short poll on the
  // control thread is simple and costs nothing measurable.
  while (m.server->requests_in_progress() > 0) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return true;
}

void daemon_app::stop() {
  auto& m = *impl_;
  if (m.stopped || !m.started)
    return;
  m.stopped = true;
  m.status->set(net::daemon_phase::draining);
  // Order matters: no new batches, then no submissions, then no actors, and
  // the client's I/O last, since actors may still hand it work until then.
  m.server->close_all();
  m.server_guard.reset();
  m.server_ioc.stop();
  for (auto& t : m.server_threads)
    t.join();
  m.transport->shutdown();
  m.core->shutdown();
  m.system->await_all_actors_done();
  m.client_guard.reset();
  m.client_ioc.stop();
  for (auto& t : m.client_threads)
    t.join();
  m.server.reset();
  m.handler.reset();
  m.core.reset();
  m.transport.reset();
}

} // namespace deltascan
