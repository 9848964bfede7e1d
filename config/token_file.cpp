// The scanner's API token and the observers' accepted tokens, read afresh
// whenever the configuration is loaded or reloaded so a rotated token takes
// effect without restart.
#include "config/token_file.hpp"

#include "config/text_file.hpp"
#include "model/text.hpp"

#include <string_view>
#include <utility>

namespace deltascan {

token_read read_token_file(const std::filesystem::path& path) {
  auto file = read_text_file(path);
  if (!file.content)
    return {std::nullopt,
            "cannot read token file " + path.string() + ": " + file.error};
  std::string_view rest = *file.content;
  while (!rest.empty()) {
    auto newline = rest.find('\n');
    auto line = trim(rest.substr(0, newline));
    if (!line.empty())
      return {std::string{line}, {}};
    if (newline == std::string_view::npos)
      break;
    rest.remove_prefix(newline + 1);
  }
  return {std::nullopt,
          "token file " + path.string() +
              " is empty (expected the token on its first non-blank line)"};
}

token_list_read read_token_list(const std::filesystem::path& path) {
  auto file = read_text_file(path);
  if (!file.content)
    return {{}, "cannot read token file " + path.string() + ": " + file.error};
  std::vector<std::string> tokens;
  std::string_view rest = *file.content;
  while (!rest.empty()) {
    auto newline = rest.find('\n');
    auto line = trim(rest.substr(0, newline));
    if (!line.empty() && line.front() != '#')
      tokens.emplace_back(line);
    if (newline == std::string_view::npos)
      break;
    rest.remove_prefix(newline + 1);
  }
  if (tokens.empty())
    return {{},
            "token file " + path.string() +
                " has no token (expected one token per line; blank lines "
                "and lines starting with # are skipped)"};
  return {std::move(tokens), {}};
}

} // namespace deltascan
