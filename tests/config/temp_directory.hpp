// A scratch directory for configuration and token files written by the
// config tests; each test gets its own, removed when the test ends, so
// test binaries running in parallel never see each other's files.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace deltascan::test {

class temp_directory {
public:
  temp_directory() {
    std::random_device entropy;
    auto base = std::filesystem::temp_directory_path();
    // The process id keeps parallel test processes apart, the random part
    // keeps tests within one process apart.
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto candidate =
          base / ("deltascan-config-" + std::to_string(::getpid()) + "-" +
                  std::to_string(entropy()));
      if (std::filesystem::create_directory(candidate)) {
        path_ = candidate;
        return;
      }
    }
    throw std::runtime_error("cannot create a temporary directory");
  }

  temp_directory(const temp_directory&) = delete;
  temp_directory& operator=(const temp_directory&) = delete;

  ~temp_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }

  /// Writes `content` to `name` inside the directory and returns its path.
  std::filesystem::path write(const std::string& name,
                              std::string_view content) const {
    auto file = path_ / name;
    std::ofstream out{file, std::ios::binary};
    out << content;
    if (!out)
      throw std::runtime_error("cannot write " + file.string());
    return file;
  }

private:
  std::filesystem::path path_;
};

} // namespace deltascan::test
