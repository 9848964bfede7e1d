// Loading the batch endpoint's and the scanner client's certificates: good
// files give a context, and each kind of bad file gives one message naming
// the setting and the file, never the key's content.
#include "net/tls_context.hpp"
#include "tests/net/tls_test_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

using namespace deltascan::net;
using deltascan::net::tls_test::pki;
namespace fs = std::filesystem;

namespace {

std::string contents(const fs::path& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, {}};
}

/// A file in the PKI's directory holding `text`.
fs::path scratch_file(const std::string& name, const std::string& text) {
  auto path = pki().dir / name;
  std::ofstream{path} << text;
  return path;
}

/// No message may leak what is in a key file.
void check_no_key_material(const std::string& error, const fs::path& key) {
  CHECK(error.find("-----BEGIN") == std::string::npos);
  auto key_text = contents(key);
  // A line from the middle of the key's base64 body.
  auto body_start = key_text.find('\n') + 1;
  auto line = key_text.substr(body_start, 40);
  REQUIRE(line.size() == 40);
  CHECK(error.find(line) == std::string::npos);
}

} // namespace

TEST_CASE("server TLS contexts load from good files", "[net][tls]") {
  const auto& certs = pki();
  auto plain =
      make_server_tls_context({certs.server.cert, certs.server.key, {}});
  INFO(plain.error);
  CHECK(plain);
  CHECK(plain.error.empty());
  auto mutual = make_server_tls_context(
      {certs.server.cert, certs.server.key, certs.ca.cert});
  INFO(mutual.error);
  CHECK(mutual);
}

TEST_CASE("a bad server TLS file is named with its setting", "[net][tls]") {
  const auto& certs = pki();

  SECTION("a missing certificate file") {
    auto missing = certs.dir / "absent.pem";
    auto made =
        make_server_tls_context({missing, certs.server.key, {}}, "server.tls");
    CHECK_FALSE(made);
    CHECK(made.error == "server.tls.cert_file: " + missing.string() +
                            " cannot be read: No such file or directory");
  }

  SECTION("a certificate file that is not PEM") {
    auto garbage = scratch_file("garbage.pem", "not a certificate\n");
    auto made =
        make_server_tls_context({garbage, certs.server.key, {}}, "server.tls");
    CHECK_FALSE(made);
    CHECK_THAT(made.error,
               Catch::StartsWith("server.tls.cert_file: " + garbage.string() +
                                 " is not a PEM certificate chain"));
  }

  SECTION("a key that belongs to another certificate") {
    auto made = make_server_tls_context(
        {certs.server.cert, certs.client.key, {}}, "server.tls");
    CHECK_FALSE(made);
    CHECK(made.error ==
          "server.tls.key_file: " + certs.client.key.string() +
              " does not hold the private key of the certificate in "
              "server.tls.cert_file (" +
              certs.server.cert.string() + ")");
    check_no_key_material(made.error, certs.client.key);
  }

  SECTION("a certificate where the key should be") {
    auto made = make_server_tls_context(
        {certs.server.cert, certs.server.cert, {}}, "server.tls");
    CHECK_FALSE(made);
    CHECK_THAT(
        made.error,
        Catch::StartsWith("server.tls.key_file: " + certs.server.cert.string() +
                          " is not an unencrypted PEM private key"));
  }

  SECTION("a key where the certificate should be") {
    auto made = make_server_tls_context(
        {certs.server.key, certs.server.key, {}}, "server.tls");
    CHECK_FALSE(made);
    CHECK_THAT(made.error, Catch::StartsWith("server.tls.cert_file: "));
    check_no_key_material(made.error, certs.server.key);
  }

  SECTION("a client CA file that holds no certificate") {
    auto empty = scratch_file("empty-ca.pem", "");
    auto made = make_server_tls_context(
        {certs.server.cert, certs.server.key, empty}, "server.tls");
    CHECK_FALSE(made);
    CHECK_THAT(made.error, Catch::StartsWith("server.tls.client_ca_file: " +
                                             empty.string()));
  }

  SECTION("a directory") {
    auto made = make_server_tls_context({certs.dir, certs.server.key, {}},
                                        "server.tls");
    CHECK_FALSE(made);
    CHECK(made.error ==
          "server.tls.cert_file: " + certs.dir.string() + " is a directory");
  }
}

TEST_CASE("client TLS contexts load, and name a bad file", "[net][tls]") {
  const auto& certs = pki();

  SECTION("the system's CAs") {
    auto made = make_client_tls_context({});
    INFO(made.error);
    CHECK(made);
  }

  SECTION("a CA file and a client certificate") {
    auto made = make_client_tls_context(
        {certs.ca.cert, certs.client.cert, certs.client.key});
    INFO(made.error);
    CHECK(made);
  }

  SECTION("a missing CA file") {
    auto missing = certs.dir / "no-ca.pem";
    auto made = make_client_tls_context({missing, {}, {}}, "scanner.tls");
    CHECK_FALSE(made);
    CHECK_THAT(made.error,
               Catch::StartsWith("scanner.tls.ca_file: " + missing.string()));
  }

  SECTION("a certificate without its key") {
    auto made = make_client_tls_context({certs.ca.cert, certs.client.cert, {}},
                                        "scanner.tls");
    CHECK_FALSE(made);
    CHECK_THAT(made.error, Catch::StartsWith("scanner.tls: "));
  }

  SECTION("a client key of another certificate") {
    auto made = make_client_tls_context(
        {certs.ca.cert, certs.client.cert, certs.server.key}, "scanner.tls");
    CHECK_FALSE(made);
    CHECK_THAT(made.error, Catch::StartsWith("scanner.tls.key_file: "));
    check_no_key_material(made.error, certs.server.key);
  }
}
