// Drives the `openssl` command line to make the test PKI: EC P-256 keys
// (fast to make), one-day certificates, extensions written to small config
// files so the result does not depend on the system's openssl.cnf.
#include "tests/net/test_certificates.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string_view>
#include <system_error>

namespace deltascan::test {

namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

/// The few openssl steps a test PKI needs; stops at the first failure.
class pki_builder {
public:
  pki_builder(const fs::path& dir, std::string& error)
      : dir_{dir}, error_{error} {
    // nop
  }

  bool write(const std::string& name, std::string_view text) {
    std::ofstream out{dir_ / name};
    out << text;
    if (!out) {
      error_ = "cannot write " + (dir_ / name).string();
      return false;
    }
    return true;
  }

  /// Runs one openssl command; its output goes to a log quoted on failure.
  bool openssl(const std::string& args) {
    if (!error_.empty())
      return false;
    auto log = dir_ / "openssl.log";
    auto command = "openssl " + args + " >" + quoted(log) + " 2>&1";
    if (std::system(command.c_str()) == 0)
      return true;
    std::ifstream in{log};
    std::string output{std::istreambuf_iterator<char>{in}, {}};
    error_ = "`" + command + "` failed: " + output;
    return false;
  }

  bool key(const fs::path& path) {
    return openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                   "-out " +
                   quoted(path));
  }

  cert_files authority(const std::string& name) {
    cert_files out{dir_ / (name + ".pem"), dir_ / (name + ".key")};
    if (key(out.key))
      openssl("req -new -x509 -days 1 -config " + quoted(dir_ / "req.cnf") +
              " -extensions ca -subj '/CN=deltascan test " + name + "' -key " +
              quoted(out.key) + " -out " + quoted(out.cert));
    return out;
  }

  /// A leaf certificate signed by `issuer` with the extension section
  /// `extensions` of leaf.cnf.
  cert_files leaf(const std::string& name, const std::string& common_name,
                  const std::string& extensions, const cert_files& issuer) {
    cert_files out{dir_ / (name + ".pem"), dir_ / (name + ".key")};
    auto csr = dir_ / (name + ".csr");
    if (key(out.key) && openssl("req -new -config " + quoted(dir_ / "req.cnf") +
                                " -subj '/CN=" + common_name + "' -key " +
                                quoted(out.key) + " -out " + quoted(csr)))
      openssl("x509 -req -days 1 -set_serial " + std::to_string(++serial_) +
              " -in " + quoted(csr) + " -CA " + quoted(issuer.cert) +
              " -CAkey " + quoted(issuer.key) + " -extfile " +
              quoted(dir_ / "leaf.cnf") + " -extensions " + extensions +
              " -out " + quoted(out.cert));
    return out;
  }

private:
  fs::path dir_;
  std::string& error_;
  int serial_ = 1000;
};

constexpr std::string_view req_config = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
)";

constexpr std::string_view leaf_config = R"([server]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[wrong_name]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:scanner.invalid
[client]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
)";

} // namespace

test_certificates::test_certificates() {
  std::random_device entropy;
  auto base = fs::temp_directory_path();
  for (int attempt = 0; attempt < 100 && dir.empty(); ++attempt) {
    auto candidate = base / ("deltascan-tls-" + std::to_string(::getpid()) +
                             "-" + std::to_string(entropy()));
    std::error_code ec;
    if (fs::create_directory(candidate, ec))
      dir = candidate;
  }
  if (dir.empty()) {
    error = "cannot create a temporary directory";
    return;
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  pki_builder make{dir, error};
  if (!make.write("req.cnf", req_config) ||
      !make.write("leaf.cnf", leaf_config))
    return;
  ca = make.authority("ca");
  other_ca = make.authority("other-ca");
  server = make.leaf("server", "127.0.0.1", "server", ca);
  wrong_name = make.leaf("wrong-name", "scanner.invalid", "wrong_name", ca);
  client = make.leaf("client", "observer", "client", ca);
  foreign_client = make.leaf("foreign-client", "stranger", "client", other_ca);
}

test_certificates::~test_certificates() {
  if (dir.empty())
    return;
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

const test_certificates& certificates() {
  static const test_certificates made;
  return made;
}

} // namespace deltascan::test
