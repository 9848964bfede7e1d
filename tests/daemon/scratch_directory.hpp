// Where the process-level and reload tests keep what deltascand reads and
// writes outside the test process: configuration files, the scanner token,
// and the output of the binaries. Each test gets its own, removed at the end.
#pragma once

#include <filesystem>
#include <string>

namespace deltascan::e2e {

/// A fresh directory under the system's temporary directory, removed with
/// everything in it when the object goes away.
class scratch_directory {
public:
  scratch_directory();
  ~scratch_directory();

  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes (or replaces) the file `name` with `text`; returns its path.
  std::filesystem::path write(const std::string& name,
                              const std::string& text) const;

private:
  std::filesystem::path path_;
};

/// The whole content of a file; empty when it cannot be read.
std::string read_text(const std::filesystem::path& file);

} // namespace deltascan::e2e
