// Reads the API token that authenticates scan submissions to the scanner.
// The token is a secret: it is returned to the caller only, never put into
// a message or a log line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace deltascan {

/// The scanner token, or why there is none.
struct token_read {
  std::optional<std::string> token;
  /// Names the file and what was wrong; never contains file content.
  std::string error;
};

/// The first non-blank line of `path`, trimmed. A missing or unreadable
/// file, or one without any non-blank line, is an error.
token_read read_token_file(const std::filesystem::path& path);

} // namespace deltascan
