// Reads the operator's files (the configuration and the scanner token)
// whole, turning an OS failure into a message instead of an exception.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace deltascan {

/// A file's content, or why it could not be read.
struct text_file {
  std::optional<std::string> content;
  /// The OS reason, e.g. "No such file or directory"; empty on success.
  std::string error;
};

/// Reads all of `path`. A directory is an error ("Is a directory").
text_file read_text_file(const std::filesystem::path& path);

} // namespace deltascan
