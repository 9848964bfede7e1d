#include "net/sha256.hpp"

#include <openssl/evp.h>

namespace deltascan::net {

sha256_digest sha256(std::string_view data) {
  // OpenSSL's digest rather than one of our own: it is the implementation
  // the TLS code already trusts, and is constant-time in the data's bytes.
  sha256_digest digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(),
             nullptr);
  return digest;
}

} // namespace deltascan::net
