// Reads the bearer tokens of deltascand's two trust edges: the API token
// that authenticates scan submissions to the scanner, and the tokens runtime
// observers may post batches with. Tokens are secrets: they are returned to
// the caller only, never put into a message or a log line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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

/// The tokens observers may post batches with, or why there are none.
struct token_list_read {
  /// Every accepted token, in file order; empty exactly when `error` is set.
  std::vector<std::string> tokens;
  /// Names the file and what was wrong; never contains file content.
  std::string error;
};

/// Every token of `path`, one per line and trimmed; blank lines and lines
/// starting with `#` (after trimming) are skipped, so operators can rotate
/// tokens by listing the old and the new one with a comment. A missing or
/// unreadable file, or one without any token, is an error.
token_list_read read_token_list(const std::filesystem::path& path);

} // namespace deltascan
