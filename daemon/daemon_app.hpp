// deltascand as one object: the actor core that turns drift events into scan
// submissions, the HTTP server observers post batches to, and the HTTP
// client that carries submissions to the scanner, started, reconfigured,
// drained and stopped in the order that loses no batch in flight.
#pragma once

#include "config/daemon_config.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
} // namespace prometheus

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace deltascan {

/// What a configuration names outside itself, read and checked: tokens,
/// certificates and keys.
struct daemon_files {
  /// The scanner's bearer token; none without scanner.token_file.
  std::optional<std::string> scanner_token;
  /// The observers' accepted tokens; none while authentication is off.
  std::optional<std::vector<std::string>> ingress_tokens;
  /// Null for plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> server_tls;
  /// Null unless the scanner URL is https.
  std::shared_ptr<boost::asio::ssl::context> scanner_tls;
};

/// Reads every file `config` names into `files`. Returns one error per file
/// that cannot be used, naming its key; empty when all can. Start-up and
/// `--check-config` both use it, so a check passes only when start-up
/// would get past its files.
std::vector<std::string> load_daemon_files(const daemon_config& config,
                                           daemon_files& files);

class daemon_app {
public:
  explicit daemon_app(daemon_config config);
  ~daemon_app();

  daemon_app(const daemon_app&) = delete;
  daemon_app& operator=(const daemon_app&) = delete;

  /// Starts the actors, the scanner client and the server, and turns ready.
  /// Returns why it could not, e.g. the listen address is taken or the token
  /// file is unreadable.
  std::optional<std::string> start();

  /// The address the server listens on, with the real port.
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  /// Applies the live part of a new configuration (runtime options, log
  /// level, scanner token) to the next batch; nothing in flight is dropped.
  /// Returns an error and changes nothing when the token cannot be read;
  /// otherwise the keys that changed but need a restart.
  struct reload_outcome {
    std::optional<std::string> error;
    std::vector<std::string> restart_needed;
  };
  reload_outcome reload(const daemon_config& next);

  /// Stops taking batches (readiness turns 503, the listener closes) and
  /// waits until the batches in flight are answered or `timeout` passes.
  /// Returns whether everything in flight finished.
  bool drain(std::chrono::milliseconds timeout);

  /// Stops everything. Safe to call more than once; the destructor calls it.
  void stop();

  /// The configuration in force, reloads included.
  const daemon_config& config() const { return config_; }

  prometheus::Registry& registry();

private:
  struct impl;
  daemon_config config_;
  std::unique_ptr<impl> impl_;
};

} // namespace deltascan
