#include "daemon/daemon_app.hpp"

#include "actors/core.hpp"
#include "actors/core_metrics.hpp"
#include "actors/logging.hpp"
#include "config/config_reload.hpp"
#include "config/token_file.hpp"
#include "daemon/logging_setup.hpp"
#include "net/bearer_auth.hpp"
#include "net/daemon_handler.hpp"
#include "net/http_scanner_transport.hpp"
#include "net/http_server.hpp"
#include "net/tls_context.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <deltascan/version.hpp>
#include <prometheus/registry.h>
#include <sched.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

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
  // Always present, off while server.auth.token_file is empty, so that a
  // reload can turn authentication on or off.
  std::shared_ptr<net::bearer_auth> auth = std::make_shared<net::bearer_auth>();
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

// Reads the observers' accepted tokens named by the configuration; none
// when authentication is off.
std::optional<std::string>
read_ingress_tokens(const daemon_config& config,
                    std::optional<std::vector<std::string>>& tokens) {
  tokens.reset();
  if (config.server.auth.token_file.empty())
    return std::nullopt;
  auto read = read_token_list(config.server.auth.token_file);
  if (!read.error.empty())
    return "server.auth.token_file: " + read.error;
  tokens = std::move(read.tokens);
  return std::nullopt;
}

// Puts the tokens read by `read_ingress_tokens` in force.
void apply_ingress_tokens(net::bearer_auth& auth,
                          const std::optional<std::vector<std::string>>& tokens,
                          bool starting) {
  auto log = component_logger("deltascand");
  if (!tokens) {
    if (!starting && auth.enabled())
      log->warn("deltascand turned off authentication of batches: "
                "server.auth.token_file is empty");
    auth.accept_all();
    return;
  }
  auth.accept_only(*tokens);
  log->info("deltascand accepts batches with {} bearer token(s)",
            tokens->size());
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
  result.retry = config.scanner.retry;
  result.breaker =
      breaker_policy{config.scanner.breaker.failures,
                     std::chrono::duration_cast<std::chrono::milliseconds>(
                         config.scanner.breaker.open_duration)};
  result.batch_deadline = config.server.batch_deadline;
  result.max_pending_events = config.server.max_pending_events;
  result.per_node = config.ingress.rate_limit.per_node;
  result.per_tenant = config.ingress.rate_limit.per_tenant;
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

std::vector<std::string> load_daemon_files(const daemon_config& config,
                                           daemon_files& files) {
  std::vector<std::string> errors;
  if (auto err = read_token(config, files.scanner_token))
    errors.push_back(std::move(*err));
  if (auto err = read_ingress_tokens(config, files.ingress_tokens))
    errors.push_back(std::move(*err));
  files.server_tls.reset();
  if (config.server.tls.enabled()) {
    const auto& tls = config.server.tls;
    auto made = net::make_server_tls_context(
        {tls.cert_file, tls.key_file, tls.client_ca_file}, "server.tls");
    if (made)
      files.server_tls = std::move(made.context);
    else
      errors.push_back(std::move(made.error));
  }
  files.scanner_tls.reset();
  if (config.scanner.url.scheme == "https") {
    const auto& tls = config.scanner.tls;
    auto made = net::make_client_tls_context(
        {tls.ca_file, tls.cert_file, tls.key_file}, "scanner.tls");
    if (made)
      files.scanner_tls = std::move(made.context);
    else
      errors.push_back(std::move(made.error));
  }
  return errors;
}

std::optional<std::string> daemon_app::start() {
  auto& m = *impl_;
  // Certificates are loaded before anything starts, so a bad file stops
  // start-up with one message instead of failing every handshake.
  daemon_files files;
  if (auto errors = load_daemon_files(config_, files); !errors.empty()) {
    std::string joined = std::move(errors.front());
    for (std::size_t i = 1; i < errors.size(); ++i)
      joined += "; " + errors[i];
    return joined;
  }
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
  client_options.tls = std::move(files.scanner_tls);
  m.transport = net::http_scanner_transport::make(m.client_ioc, client_options);
  m.transport->set_bearer_token(std::move(files.scanner_token));
  m.core = std::make_unique<actor_core>(*m.system, settings, m.transport,
                                        m.options, m.metrics.get());
  apply_ingress_tokens(*m.auth, files.ingress_tokens, true);
  net::daemon_handler_settings handler_settings;
  handler_settings.auth = m.auth;
  handler_settings.protect_metrics = config_.server.auth.protect_metrics;
  handler_settings.protect_health = config_.server.auth.protect_health;
  handler_settings.max_batches_in_progress =
      config_.server.max_batches_in_progress;
  handler_settings.overload_retry_after = config_.server.overload_retry_after;
  handler_settings.max_pending_events = config_.server.max_pending_events;
  m.handler = std::make_shared<net::daemon_handler>(
      *m.core, m.registry, m.status, std::move(handler_settings));
  net::server_limits limits;
  limits.max_body_bytes = config_.server.max_body_bytes;
  m.server = std::make_unique<net::http_server>(m.server_ioc, m.handler, limits,
                                                std::move(files.server_tls));
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
      ->info("deltascand {} ({} malloc) listening on {} ({}{}, {}) with {} "
             "dedup shards, submitting scans to {}",
             version, allocator, net::endpoint_text(m.server->local_endpoint()),
             config_.server.tls.enabled() ? "https" : "http",
             config_.server.tls.client_ca_file.empty() ? ""
                                                       : " with client "
                                                         "certificates",
             m.auth->enabled() ? "bearer tokens required" : "no auth",
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
  // Like the scanner token: a token list that cannot be read rejects the
  // whole reload, so the tokens in force stay and nothing else changes.
  std::optional<std::vector<std::string>> ingress_tokens;
  if (auto err = read_ingress_tokens(next, ingress_tokens)) {
    result.error = std::move(err);
    return result;
  }
  result.restart_needed = keys_needing_restart(config_, next);
  config_.runtime = next.runtime;
  config_.log.level = next.log.level;
  config_.scanner.token_file = next.scanner.token_file;
  config_.server.auth.token_file = next.server.auth.token_file;
  impl_->options->store(next.runtime);
  set_log_level(next.log.level);
  impl_->transport->set_bearer_token(std::move(token));
  apply_ingress_tokens(*impl_->auth, ingress_tokens, false);
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
