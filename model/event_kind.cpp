#include "model/event_kind.hpp"

#include <array>
#include <utility>

namespace deltascan {

namespace {

// Compares `text`, without its underscores and ignoring ASCII case, to a
// lowercase name without underscores.
bool matches(std::string_view text, std::string_view name) {
  auto it = name.begin();
  for (char c : text) {
    if (c == '_')
      continue;
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if (it == name.end() || *it != c)
      return false;
    ++it;
  }
  return it == name.end();
}

} // namespace

event_kind parse_event_kind(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, event_kind>, 5> names{
      {
          {"drift", event_kind::drift},
          {"containerstart", event_kind::container_start},
          {"containerstop", event_kind::container_stop},
          {"policyviolation", event_kind::policy_violation},
          {"attestationstatus", event_kind::attestation_status},
      }};
  for (const auto& [name, kind] : names)
    if (matches(text, name))
      return kind;
  return event_kind::unknown;
}

} // namespace deltascan
