// Scratch directories for files the tests hand to deltascand.
#include "tests/daemon/scratch_directory.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

namespace deltascan::e2e {

namespace fs = std::filesystem;

scratch_directory::scratch_directory() {
  auto pattern = (fs::temp_directory_path() / "deltascan-e2e-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::system_error{errno, std::generic_category(), "mkdtemp"};
  path_ = pattern;
}

scratch_directory::~scratch_directory() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path scratch_directory::write(const std::string& name,
                                  const std::string& text) const {
  auto file = path_ / name;
  // Written aside and renamed, so a daemon reading it on SIGHUP never sees
  // half a file.
  auto partial = path_ / (name + ".partial");
  {
    std::ofstream out{partial, std::ios::binary | std::ios::trunc};
    out << text;
  }
  fs::rename(partial, file);
  return file;
}

std::string read_text(const fs::path& file) {
  std::ifstream in{file, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace deltascan::e2e
