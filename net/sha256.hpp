// SHA-256 for the ingress tokens: observers' bearer tokens are compared as
// fixed-size digests, so how long the comparison takes says nothing about
// the length or the content of any accepted token.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace deltascan::net {

/// A SHA-256 digest (FIPS 180-4), computed by OpenSSL.
using sha256_digest = std::array<std::uint8_t, 32>;

/// The SHA-256 digest of `data`. Its running time depends only on the
/// length of `data`, not on its bytes.
sha256_digest sha256(std::string_view data);

} // namespace deltascan::net
