// The scanner's API token, read afresh whenever the configuration is
// loaded or reloaded so a rotated token takes effect without restart.
#include "config/token_file.hpp"

#include "config/text_file.hpp"
#include "model/text.hpp"

#include <string_view>

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

} // namespace deltascan
