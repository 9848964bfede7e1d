#include "actors/logging.hpp"

#include <mutex>

namespace deltascan {

std::shared_ptr<spdlog::logger> component_logger(const std::string& name) {
  if (auto existing = spdlog::get(name))
    return existing;
  // Two threads may ask for the same new logger at once; spdlog refuses a
  // second registration, so creation is serialised.
  static std::mutex creation;
  std::lock_guard guard{creation};
  if (auto existing = spdlog::get(name))
    return existing;
  auto fallback = spdlog::default_logger();
  auto result = std::make_shared<spdlog::logger>(
      name, fallback->sinks().begin(), fallback->sinks().end());
  result->set_level(fallback->level());
  spdlog::register_logger(result);
  return result;
}

} // namespace deltascan
