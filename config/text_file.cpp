// Whole-file reads for the configuration and the token, with the OS's own
// words for why a read failed so operators can act on them.
#include "config/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace deltascan {

namespace {

struct file_closer {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

std::string os_reason(int error_number) {
  return std::strerror(error_number);
}

} // namespace

text_file read_text_file(const std::filesystem::path& path) {
  errno = 0;
  std::unique_ptr<std::FILE, file_closer> file{std::fopen(path.c_str(), "rb")};
  if (!file)
    return {std::nullopt, os_reason(errno)};
  std::string content;
  char buffer[8192];
  while (true) {
    auto count = std::fread(buffer, 1, sizeof buffer, file.get());
    content.append(buffer, count);
    if (count < sizeof buffer)
      break;
  }
  // Opening a directory succeeds on Linux; the first read then fails.
  if (std::ferror(file.get()))
    return {std::nullopt, os_reason(errno != 0 ? errno : EIO)};
  return {std::move(content), {}};
}

} // namespace deltascan
