// deltascand: takes runtime event batches from node observers and asks the
// vulnerability scanner to re-scan images whose containers drifted.
//
// Signals are handled on the main thread only: SIGHUP reloads the
// configuration file, SIGTERM or SIGINT drain and exit, and a second
// SIGTERM or SIGINT exits at once.
#include "actors/logging.hpp"
#include "config/config_loader.hpp"
#include "config/config_render.hpp"
#include "daemon/daemon_app.hpp"
#include "daemon/logging_setup.hpp"

#include <CLI/CLI.hpp>
#include <deltascan/version.hpp>
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace {

using namespace deltascan;

struct options {
  std::optional<std::string> config_path;
  std::optional<std::string> log_level;
  bool check_config = false;
};

// Loads the configuration. --log-level is handed in as the highest-priority
// environment override, so the configuration parses and validates it like
// any other source.
config_result load(const options& opts) {
  auto env = process_environment();
  if (opts.log_level)
    env["DELTASCAN_LOG_LEVEL"] = *opts.log_level;
  return load_config(opts.config_path, env);
}

int check_config(const options& opts) {
  auto result = load(opts);
  for (const auto& warning : result.warnings)
    std::cerr << "warning: " << warning << '\n';
  for (const auto& error : result.errors)
    std::cerr << "error: " << error << '\n';
  if (!result.config)
    return EXIT_FAILURE;
  // The files are read as start-up reads them; what they hold is never
  // printed.
  daemon_files files;
  auto file_errors = load_daemon_files(*result.config, files);
  for (const auto& error : file_errors)
    std::cerr << "error: " << error << '\n';
  if (!file_errors.empty())
    return EXIT_FAILURE;
  std::cout << render_config(*result.config);
  return EXIT_SUCCESS;
}

void apply_reload(daemon_app& app, const options& opts) {
  auto log = component_logger("deltascand");
  auto result = load(opts);
  for (const auto& warning : result.warnings)
    log->warn("deltascand configuration: {}", warning);
  if (!result.config) {
    for (const auto& error : result.errors)
      log->error("deltascand kept its configuration, reload failed: {}", error);
    return;
  }
  auto outcome = app.reload(*result.config);
  if (outcome.error) {
    log->error("deltascand kept its configuration, reload failed: {}",
               *outcome.error);
    return;
  }
  for (const auto& key : outcome.restart_needed)
    log->warn("deltascand ignored the new {}: it takes effect after a "
              "restart",
              key);
  log->info("deltascand reloaded its configuration: auto-scan {}, "
            "cooldown {}s, log level {}",
            app.config().runtime.auto_scan_enabled ? "on" : "off",
            app.config().runtime.auto_scan_cooldown.count(),
            to_string(app.config().log.level));
}

// An operator who sent SIGHUP is watching for its outcome: it is written at
// once, not with the next block of log lines.
void reload(daemon_app& app, const options& opts) {
  apply_reload(app, opts);
  flush_logs();
}

int run(const options& opts) {
  auto loaded = load(opts);
  if (!loaded.config) {
    for (const auto& error : loaded.errors)
      std::cerr << "deltascand: configuration error: " << error << '\n';
    return EXIT_FAILURE;
  }
  // Block the signals before any thread starts (the log flusher is the
  // first), so every thread inherits the mask and only sigwait below ever
  // sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  configure_logging(loaded.config->log);
  auto log = component_logger("deltascand");
  for (const auto& warning : loaded.warnings)
    log->warn("deltascand configuration: {}", warning);
  daemon_app app{*loaded.config};
  if (auto err = app.start()) {
    log->error("deltascand failed to start: {}", *err);
    return EXIT_FAILURE;
  }
  // Whoever started the daemon may be waiting for its listening line.
  flush_logs();
  int signal = 0;
  for (;;) {
    if (sigwait(&signals, &signal) != 0)
      continue;
    if (signal == SIGHUP) {
      reload(app, opts);
      continue;
    }
    break;
  }
  log->info("deltascand received {}, draining batches in flight for up to "
            "{}s",
            signal == SIGTERM ? "SIGTERM" : "SIGINT",
            app.config().server.drain_timeout.count());
  flush_logs();
  // A second termination signal means the operator will not wait.
  std::thread impatient{[signals] {
    int second = 0;
    while (sigwait(&signals, &second) == 0) {
      if (second == SIGTERM || second == SIGINT) {
        flush_logs();
        std::fputs("deltascand: second signal, exiting now\n", stderr);
        std::_Exit(EXIT_FAILURE);
      }
    }
  }};
  impatient.detach();
  if (!app.drain(app.config().server.drain_timeout))
    log->warn("deltascand stopped with batches still in flight after the "
              "drain timeout");
  app.stop();
  log->info("deltascand stopped");
  flush_logs();
  return EXIT_SUCCESS;
}

// A build for x86-64-v3 executes AVX2 instructions anywhere; on an older
// CPU that is a SIGILL at a random spot. Say so plainly instead.
bool cpu_supports_build() {
#if defined(__AVX2__) && defined(__x86_64__)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi2") ||
      !__builtin_cpu_supports("pclmul")) {
    std::fputs("deltascand: this build needs an x86-64-v3 CPU (AVX2, BMI2, "
               "PCLMUL); rebuild with -DDELTASCAN_TARGET_CPU=generic\n",
               stderr);
    return false;
  }
#endif
  return true;
}

} // namespace

int main(int argc, char** argv) {
  if (!cpu_supports_build())
    return EXIT_FAILURE;
  CLI::App cli{"deltascand: re-scans container images when running "
               "containers drift from them"};
  options opts;
  cli.add_option("--config", opts.config_path, "YAML configuration file")
      ->check(CLI::ExistingFile);
  cli.add_flag("--check-config", opts.check_config,
               "Validate the configuration, print it and exit");
  cli.add_option("--log-level", opts.log_level,
                 "Override log.level (debug, info, warn, error)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cli.set_version_flag("--version", std::string{"deltascand "} + version);
  CLI11_PARSE(cli, argc, argv);
  if (opts.check_config)
    return check_config(opts);
  return run(opts);
}
