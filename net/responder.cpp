// Makes sure each request gets one reply or a closed connection, whatever
// the handler does with its responder.
#include "actors/logging.hpp"
#include "net/request_handler.hpp"

#include <atomic>
#include <utility>

namespace deltascan::net {

struct responder::state {
  explicit state(std::shared_ptr<sink> target) : target{std::move(target)} {
    // nop
  }

  ~state() {
    if (!sent.load(std::memory_order_acquire) && target)
      target->abandon();
  }

  state(const state&) = delete;
  state& operator=(const state&) = delete;

  std::shared_ptr<sink> target;
  std::atomic<bool> sent{false};
};

responder::responder(std::shared_ptr<sink> target)
    : state_{std::make_shared<state>(std::move(target))} {
  // nop
}

void responder::send(http_response res) const {
  if (!state_) {
    component_logger("http")->warn("http ignored a reply sent through a "
                                   "moved-from responder");
    return;
  }
  if (state_->sent.exchange(true, std::memory_order_acq_rel)) {
    component_logger("http")->warn(
        "http ignored a second reply to one request (status {})",
        static_cast<unsigned>(res.result_int()));
    return;
  }
  if (state_->target)
    state_->target->deliver(std::move(res));
}

bool responder::sent() const {
  return state_ && state_->sent.load(std::memory_order_acquire);
}

std::optional<http_response>
request_handler::check_header(const http::request_header<>&, request_hold&) {
  return std::nullopt;
}

} // namespace deltascan::net
