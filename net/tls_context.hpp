// The certificates and keys that protect runtime event batches on their way
// in and scan submissions on their way out, loaded into OpenSSL contexts.
// A file that is missing, not PEM, or a key that does not belong to its
// certificate is reported as a message naming the setting and the file, so
// deltascand refuses to start with one clear line instead of failing every
// handshake later.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace deltascan::net {

/// What the batch endpoint presents, and whom it lets in.
struct server_tls_files {
  /// PEM certificate chain, the server's own certificate first.
  std::filesystem::path cert_file;
  /// PEM private key of that certificate, unencrypted.
  std::filesystem::path key_file;
  /// PEM CA bundle; when set, clients must present a certificate it signed.
  std::filesystem::path client_ca_file;
};

/// How deltascand checks an https scanner, and what it presents to it.
struct client_tls_files {
  /// PEM CA bundle to verify the scanner with; empty for the system's.
  std::filesystem::path ca_file;
  /// PEM client certificate chain and key, both or neither, for scanners
  /// that require mutual TLS.
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
};

/// A ready context, or why none could be made.
struct tls_context_result {
  /// Null on failure.
  std::shared_ptr<boost::asio::ssl::context> context;
  /// `{setting}.{field}: what is wrong with which file`; empty on success.
  std::string error;

  explicit operator bool() const { return context != nullptr; }
};

/// Builds the batch endpoint's context: TLS 1.2 at least, no compression,
/// no renegotiation; with a client CA, a client without a certificate it
/// signed fails the handshake. `setting` prefixes the messages, e.g.
/// `server.tls` gives `server.tls.key_file: ...`.
tls_context_result make_server_tls_context(const server_tls_files& files,
                                           std::string_view setting = "tls");

/// Builds the scanner client's context: TLS 1.2 at least and the peer's
/// certificate always verified. The scanner's name is checked per
/// connection (see `http_scanner_transport`), since the context is shared.
tls_context_result make_client_tls_context(const client_tls_files& files,
                                           std::string_view setting = "tls");

} // namespace deltascan::net
