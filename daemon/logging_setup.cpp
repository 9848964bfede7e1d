#include "daemon/logging_setup.hpp"

#include "model/json_writer.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace deltascan {

namespace {

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
  spdlog::sink_ptr sink;
  std::unique_ptr<spdlog::formatter> formatter;
  if (settings.format == log_format::json) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto json = std::make_unique<spdlog::pattern_formatter>(
        spdlog::pattern_time_type::utc);
    json->add_flag<json_escaped_message>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",)"
        R"("message":"%*"})");
    formatter = std::move(json);
  } else {
    auto color = std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>(
        isatty(STDERR_FILENO) ? spdlog::color_mode::automatic
                              : spdlog::color_mode::never);
    sink = color;
    formatter = std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%e%z [%n] [%^%l%$] %v");
  }
  sink->set_formatter(std::move(formatter));
  spdlog::drop_all();
  auto logger = std::make_shared<spdlog::logger>("deltascand", sink);
  spdlog::set_default_logger(logger);
  set_log_level(settings.level);
}

void set_log_level(log_level level) {
  spdlog::set_level(to_spdlog_level(level));
}

} // namespace deltascan
