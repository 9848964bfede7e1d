#include "daemon/buffered_stderr_sink.hpp"

#include <unistd.h>

#include <cerrno>

namespace deltascan {

buffered_stderr_sink::buffered_stderr_sink() {
  pending_.reserve(block_bytes + 1024);
}

buffered_stderr_sink::~buffered_stderr_sink() {
  std::lock_guard guard{mutex_};
  flush_();
}

void buffered_stderr_sink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  pending_.append(line.data(), line.size());
  if (msg.level >= spdlog::level::warn || pending_.size() >= block_bytes)
    flush_();
}

void buffered_stderr_sink::flush_() {
  const char* data = pending_.data();
  std::size_t left = pending_.size();
  while (left > 0) {
    auto written = ::write(STDERR_FILENO, data, left);
    if (written < 0) {
      if (errno == EINTR)
        continue;
      // Nowhere to report a broken stderr: the lines are dropped rather
      // than kept growing.
      break;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  pending_.clear();
}

} // namespace deltascan
