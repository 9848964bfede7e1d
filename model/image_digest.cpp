#include "model/image_digest.hpp"

#include "model/text.hpp"

namespace deltascan {

std::optional<std::string> image_digest(const drift_event& event) {
  if (event.baseline_image_digest) {
    auto baseline = trim(*event.baseline_image_digest);
    if (!baseline.empty())
      return to_lower_ascii(baseline);
  }
  if (!event.image_ref)
    return std::nullopt;
  auto reference = trim(*event.image_ref);
  auto at = reference.rfind('@');
  if (at == std::string_view::npos)
    return std::nullopt;
  // The prefix test is case-insensitive because the result is lowercased:
  // `SHA256:ABC` and `sha256:abc` name the same image.
  auto digest = to_lower_ascii(trim(reference.substr(at + 1)));
  if (!digest.starts_with("sha256:"))
    return std::nullopt;
  return digest;
}

} // namespace deltascan
