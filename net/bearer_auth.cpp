// Checks the bearer tokens runtime observers send with their batches. The
// comparison must not let a client learn an accepted token byte by byte
// from response times, hence digests and a branch-free comparison.
#include "net/bearer_auth.hpp"

#include <cctype>
#include <cstdint>
#include <utility>

namespace deltascan::net {

namespace {

constexpr std::string_view bearer_scheme = "bearer";

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// Whether `text` starts with the scheme `Bearer`, in any case, followed by
// white space or by nothing.
bool has_bearer_scheme(std::string_view text) {
  if (text.size() < bearer_scheme.size())
    return false;
  for (std::size_t i = 0; i < bearer_scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != bearer_scheme[i])
      return false;
  return text.size() == bearer_scheme.size() ||
         is_space(text[bearer_scheme.size()]);
}

std::string_view strip_spaces(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

// Differences are OR-ed together rather than returned on the first one, so
// the time taken does not depend on where two digests differ. `volatile`
// keeps the compiler from turning the loop into an early-exit comparison.
std::uint8_t digest_difference(const sha256_digest& a, const sha256_digest& b) {
  volatile std::uint8_t difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    difference = difference | static_cast<std::uint8_t>(a[i] ^ b[i]);
  return difference;
}

} // namespace

bearer_auth::bearer_auth(const std::vector<std::string>& tokens) {
  accept_only(tokens);
}

void bearer_auth::accept_only(const std::vector<std::string>& tokens) {
  auto next = std::make_shared<token_set>();
  next->enabled = true;
  next->digests.reserve(tokens.size());
  for (const auto& token : tokens)
    next->digests.push_back(sha256(token));
  std::lock_guard lock{mutex_};
  tokens_ = std::move(next);
}

void bearer_auth::accept_all() {
  auto next = std::make_shared<const token_set>();
  std::lock_guard lock{mutex_};
  tokens_ = std::move(next);
}

bool bearer_auth::enabled() const {
  return current()->enabled;
}

std::size_t bearer_auth::token_count() const {
  return current()->digests.size();
}

std::shared_ptr<const bearer_auth::token_set> bearer_auth::current() const {
  std::lock_guard lock{mutex_};
  return tokens_;
}

auth_verdict bearer_auth::check(std::string_view authorization) const {
  auto tokens = current();
  if (!tokens->enabled)
    return auth_verdict::accepted;
  auto value = strip_spaces(authorization);
  if (!has_bearer_scheme(value))
    return auth_verdict::missing;
  auto presented = strip_spaces(value.substr(bearer_scheme.size()));
  if (presented.empty())
    return auth_verdict::rejected;
  // Every accepted digest is compared; a match only clears one bit of the
  // result, so the loop runs the same whichever token (if any) matches.
  auto digest = sha256(presented);
  std::uint8_t no_match = 1;
  for (const auto& accepted : tokens->digests) {
    unsigned differs = digest_difference(digest, accepted);
    // 1 when `differs` is non-zero, 0 when it is zero, without a branch:
    // for 0 < differs < 2^31, `0u - differs` has its top bit set.
    auto unequal = ((differs | (0u - differs)) >> 31) & 1u;
    no_match &= static_cast<std::uint8_t>(unequal);
  }
  return no_match == 0 ? auth_verdict::accepted : auth_verdict::rejected;
}

} // namespace deltascan::net
