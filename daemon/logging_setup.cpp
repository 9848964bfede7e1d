#include "daemon/logging_setup.hpp"

#include "daemon/buffered_stderr_sink.hpp"
#include "model/json_writer.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>

namespace deltascan {

namespace {

// The longest an info or debug line waits in the buffer of a stderr that is
// not a terminal; warnings and errors are written at once.
constexpr std::chrono::seconds log_flush_interval{1};

// Writes the log message as the inside of a JSON string, so that quotes or
// control characters in an event id cannot break a collector's parser.
class json_escaped_message final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string quoted;
    append_json_string(quoted, {msg.payload.data(), msg.payload.size()});
    // Drop the quotes: the pattern supplies them around the flag.
    dest.append(quoted.data() + 1, quoted.data() + quoted.size() - 1);
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_escaped_message>();
  }
};

} // namespace

void configure_logging(const log_settings& settings) {
  // A terminal gets every line at once (and colours); a pipe or a file gets
  // them in blocks, since a write per line costs a busy daemon dearly.
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const bool json = settings.format == log_format::json;
  spdlog::sink_ptr sink;
  if (!terminal)
    sink = std::make_shared<buffered_stderr_sink>();
  else if (json)
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  else
    sink = std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>(
        spdlog::color_mode::automatic);
  std::unique_ptr<spdlog::formatter> formatter;
  if (json) {
    auto json_formatter = std::make_unique<spdlog::pattern_formatter>(
        spdlog::pattern_time_type::utc);
    json_formatter->add_flag<json_escaped_message>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",)"
        R"("message":"%*"})");
    formatter = std::move(json_formatter);
  } else {
    formatter = std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%e%z [%n] [%^%l%$] %v");
  }
  sink->set_formatter(std::move(formatter));
  spdlog::drop_all();
  auto logger = std::make_shared<spdlog::logger>("deltascand", sink);
  spdlog::set_default_logger(logger);
  set_log_level(settings.level);
  spdlog::flush_every(log_flush_interval);
}

void flush_logs() {
  spdlog::apply_all(
      [](const std::shared_ptr<spdlog::logger>& logger) { logger->flush(); });
}

void set_log_level(log_level level) {
  spdlog::set_level(to_spdlog_level(level));
}

} // namespace deltascan
