// Loads the batch endpoint's and the scanner client's certificates and keys,
// checking each file on the way so that a bad one is named at start-up.
#include "net/tls_context.hpp"

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace deltascan::net {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

/// Names the sessions of our own servers, which OpenSSL requires before it
/// resumes a session whose client presented a certificate.
constexpr unsigned char session_id_context[] = "deltascand";

/// Builds the messages of one context: every one names the setting.
class context_loader {
public:
  explicit context_loader(std::string_view setting) : setting_{setting} {
    // nop
  }

  /// Creates the context; false (and the error) when OpenSSL cannot.
  bool create(ssl::context::method method) {
    try {
      context_ = std::make_shared<ssl::context>(method);
    } catch (const boost::system::system_error& e) {
      error_ = std::string{setting_} +
               ": cannot create a TLS context: " + e.code().message();
      return false;
    }
    auto* native = context_->native_handle();
    // TLS 1.0 and 1.1 are broken or deprecated; compression leaks secrets
    // (CRIME); renegotiation lets a client make the server redo handshakes.
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native,
                        SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    // Without a callback OpenSSL would ask for a passphrase on the terminal
    // of a daemon; an empty answer makes an encrypted key fail to load.
    error_code ignored;
    context_->set_password_callback(
        [](std::size_t, ssl::context::password_purpose) {
          return std::string{};
        },
        ignored);
    return true;
  }

  /// Checks that `path` can be opened for reading, so the message says
  /// "no such file" rather than an OpenSSL code.
  bool readable(std::string_view field, const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return fail(field, path, "is a directory");
    errno = 0;
    auto* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr)
      return fail(field, path,
                  std::string{"cannot be read: "} + std::strerror(errno));
    std::fclose(file);
    return true;
  }

  bool use_chain(std::string_view field, const std::filesystem::path& path) {
    if (!readable(field, path))
      return false;
    error_code ec;
    context_->use_certificate_chain_file(path.string(), ec);
    if (ec)
      return fail(field, path,
                  "is not a PEM certificate chain (" + ec.message() + ")");
    return true;
  }

  bool use_key(std::string_view field, const std::filesystem::path& path,
               std::string_view cert_field,
               const std::filesystem::path& cert_path) {
    if (!readable(field, path))
      return false;
    error_code ec;
    context_->use_private_key_file(path.string(), ssl::context::pem, ec);
    if (ec) {
      // OpenSSL refuses a key that does not match the loaded certificate
      // at this step already.
      if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
          X509_R_KEY_VALUES_MISMATCH)
        return mismatch(field, path, cert_field, cert_path);
      return fail(field, path,
                  "is not an unencrypted PEM private key (" + ec.message() +
                      ")");
    }
    if (SSL_CTX_check_private_key(context_->native_handle()) != 1) {
      ERR_clear_error();
      return mismatch(field, path, cert_field, cert_path);
    }
    return true;
  }

  bool trust(std::string_view field, const std::filesystem::path& path) {
    if (!readable(field, path))
      return false;
    error_code ec;
    context_->load_verify_file(path.string(), ec);
    if (ec)
      return fail(field, path, "is not a PEM CA bundle (" + ec.message() + ")");
    return true;
  }

  /// Lets the server name, in its handshake, the CAs it accepts client
  /// certificates from, so a client with several picks the right one.
  bool advertise(std::string_view field, const std::filesystem::path& path) {
    auto* names = SSL_load_client_CA_file(path.c_str());
    if (names == nullptr) {
      ERR_clear_error();
      return fail(field, path, "holds no CA certificate");
    }
    SSL_CTX_set_client_CA_list(context_->native_handle(), names);
    return true;
  }

  void verify(ssl::verify_mode mode) {
    error_code ignored;
    context_->set_verify_mode(mode, ignored);
  }

  std::shared_ptr<ssl::context>& context() { return context_; }

  tls_context_result result() {
    tls_context_result out;
    if (error_.empty())
      out.context = std::move(context_);
    else
      out.error = std::move(error_);
    return out;
  }

  bool fail(std::string_view field, const std::filesystem::path& path,
            const std::string& what) {
    error_ = std::string{setting_} + "." + std::string{field} + ": " +
             path.string() + " " + what;
    context_.reset();
    return false;
  }

  bool fail(std::string what) {
    error_ = std::string{setting_} + ": " + what;
    context_.reset();
    return false;
  }

private:
  bool mismatch(std::string_view field, const std::filesystem::path& path,
                std::string_view cert_field,
                const std::filesystem::path& cert_path) {
    return fail(field, path,
                "does not hold the private key of the certificate in " +
                    std::string{setting_} + "." + std::string{cert_field} +
                    " (" + cert_path.string() + ")");
  }

  std::string_view setting_;
  std::shared_ptr<ssl::context> context_;
  std::string error_;
};

} // namespace

tls_context_result make_server_tls_context(const server_tls_files& files,
                                           std::string_view setting) {
  context_loader load{setting};
  if (files.cert_file.empty() || files.key_file.empty()) {
    load.fail("cert_file and key_file are both needed for TLS");
    return load.result();
  }
  if (!load.create(ssl::context::tls_server))
    return load.result();
  SSL_CTX_set_session_id_context(load.context()->native_handle(),
                                 session_id_context,
                                 sizeof(session_id_context) - 1);
  if (!load.use_chain("cert_file", files.cert_file) ||
      !load.use_key("key_file", files.key_file, "cert_file", files.cert_file))
    return load.result();
  if (files.client_ca_file.empty()) {
    load.verify(ssl::verify_none);
    return load.result();
  }
  if (!load.trust("client_ca_file", files.client_ca_file) ||
      !load.advertise("client_ca_file", files.client_ca_file))
    return load.result();
  load.verify(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return load.result();
}

tls_context_result make_client_tls_context(const client_tls_files& files,
                                           std::string_view setting) {
  context_loader load{setting};
  if (files.cert_file.empty() != files.key_file.empty()) {
    load.fail("cert_file and key_file go together: set both or neither");
    return load.result();
  }
  if (!load.create(ssl::context::tls_client))
    return load.result();
  if (files.ca_file.empty()) {
    error_code ec;
    load.context()->set_default_verify_paths(ec);
    if (ec) {
      load.fail("cannot use the system's CA certificates: " + ec.message());
      return load.result();
    }
  } else if (!load.trust("ca_file", files.ca_file)) {
    return load.result();
  }
  if (!files.cert_file.empty() &&
      (!load.use_chain("cert_file", files.cert_file) ||
       !load.use_key("key_file", files.key_file, "cert_file", files.cert_file)))
    return load.result();
  load.verify(ssl::verify_peer);
  return load.result();
}

} // namespace deltascan::net
