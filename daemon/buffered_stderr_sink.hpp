// A log sink for stderr that is not a terminal: under load deltascand logs
// a line per triggered scan, tens of thousands a second, and spdlog's
// stderr sinks make one write(2) per line. This sink gathers lines and
// writes them in blocks: at once for warnings and errors, otherwise when
// the block is full or when the periodic flush comes (see
// `configure_logging`), so an info line waits a fraction of a second at
// most.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <mutex>
#include <string>

namespace deltascan {

class buffered_stderr_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  /// Lines are written once this many bytes are waiting.
  static constexpr std::size_t block_bytes = 64 * 1024;

  buffered_stderr_sink();

  /// Writes what is still waiting.
  ~buffered_stderr_sink() override;

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;

  void flush_() override;

private:
  std::string pending_;
};

} // namespace deltascan
