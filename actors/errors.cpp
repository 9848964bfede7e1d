#include "actors/errors.hpp"

#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace deltascan {

caf::error make_error(ec code, std::string detail) {
  return caf::error{static_cast<std::uint8_t>(code), error_category,
                    caf::make_message(std::move(detail))};
}

caf::error make_error(ec code) {
  return caf::error{static_cast<std::uint8_t>(code), error_category};
}

caf::error make_error(const decode_error& err) {
  auto code = ec::invalid_batch;
  switch (err.code) {
  case decode_errc::malformed_json:
    code = ec::malformed_batch;
    break;
  case decode_errc::too_many_events:
    code = ec::batch_too_large;
    break;
  default:
    break;
  }
  return make_error(code, err.to_string());
}

std::string error_detail(const caf::error& err) {
  const auto& context = err.context();
  if (context.size() == 1 && context.match_element<std::string>(0))
    return context.get_as<std::string>(0);
  return caf::to_string(err);
}

ec error_code(const caf::error& err) {
  if (err.category() != error_category)
    return ec::internal;
  return static_cast<ec>(err.code());
}

} // namespace deltascan
