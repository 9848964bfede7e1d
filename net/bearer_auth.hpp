// Who may post runtime event batches to deltascand: the bearer tokens of
// the observers, replaceable while the daemon runs so that a rotated token
// file takes effect on reload. Tokens are secrets: they are kept only as
// digests and appear in no log line or message.
#pragma once

#include "net/sha256.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace deltascan::net {

/// The outcome of checking one request's `Authorization` header.
enum class auth_verdict {
  /// A bearer token that is accepted, or authentication is off.
  accepted,
  /// No `Authorization` header, or one with another scheme than `Bearer`.
  missing,
  /// A bearer token that is not accepted (an empty one included).
  rejected,
};

/// The accepted tokens. Thread-safe: requests are checked on the server's
/// threads while a reload replaces the tokens from the control thread.
class bearer_auth {
public:
  /// Authentication off: every request is accepted.
  bearer_auth() = default;

  /// Accepts exactly `tokens`; an empty list accepts no token at all.
  explicit bearer_auth(const std::vector<std::string>& tokens);

  bearer_auth(const bearer_auth&) = delete;
  bearer_auth& operator=(const bearer_auth&) = delete;

  /// Turns authentication on with `tokens` in place of the previous ones;
  /// requests checked afterwards see only the new tokens.
  void accept_only(const std::vector<std::string>& tokens);

  /// Turns authentication off.
  void accept_all();

  /// Whether requests need a token.
  bool enabled() const;

  /// The number of accepted tokens; 0 while authentication is off.
  std::size_t token_count() const;

  /// Checks an `Authorization` field value: the scheme `Bearer` in any case,
  /// one or more spaces, then the token. The token is compared with every
  /// accepted one, always all of them and in time independent of where or
  /// whether it matches.
  auth_verdict check(std::string_view authorization) const;

private:
  /// One generation of accepted tokens; immutable once published.
  struct token_set {
    bool enabled = false;
    std::vector<sha256_digest> digests;
  };

  std::shared_ptr<const token_set> current() const;

  mutable std::mutex mutex_;
  std::shared_ptr<const token_set> tokens_ =
      std::make_shared<const token_set>();
};

} // namespace deltascan::net
