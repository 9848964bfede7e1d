// Certificates for the TLS tests of the batch endpoint and the scanner
// client, made at test time with the `openssl` command line in a private
// temporary directory, so no key ever lives in the repository and nothing
// expires between a commit and a test run.
#pragma once

#include <filesystem>
#include <string>

namespace deltascan::test {

/// A certificate and its private key, both PEM files.
struct cert_files {
  std::filesystem::path cert;
  std::filesystem::path key;
};

/// A test PKI: two unrelated CAs and leaf certificates signed by the first.
/// Every file lives in `dir`, which is removed with the object.
class test_certificates {
public:
  /// Makes every file; on failure `error` says which openssl step failed
  /// and what it printed.
  test_certificates();
  ~test_certificates();

  test_certificates(const test_certificates&) = delete;
  test_certificates& operator=(const test_certificates&) = delete;

  /// Empty when every file was made.
  std::string error;

  std::filesystem::path dir;
  /// The CA that signed every leaf below.
  cert_files ca;
  /// A CA that signed none of them.
  cert_files other_ca;
  /// A server certificate for `IP:127.0.0.1` and `DNS:localhost`.
  cert_files server;
  /// A server certificate for `DNS:scanner.invalid` only: it matches
  /// neither 127.0.0.1 nor localhost.
  cert_files wrong_name;
  /// A client certificate (clientAuth) for `CN=observer`.
  cert_files client;
  /// A client certificate signed by `other_ca`.
  cert_files foreign_client;
};

/// The certificates of this test process, made on first use.
const test_certificates& certificates();

} // namespace deltascan::test
