// The scripted scanner: one io thread, one session per accepted connection,
// each request answered as the test's script decides.
#include "tests/net/scanner_client_test_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <optional>
#include <utility>

namespace deltascan::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

std::string accepted_body(const std::string& scan_id, bool created) {
  return R"({"scanId":")" + scan_id + R"(","created":)" +
         (created ? "true" : "false") + "}";
}

/// One accepted connection: reads requests one after another and carries
/// out what the script says for each.
class scripted_scanner::session : public std::enable_shared_from_this<session> {
public:
  session(scripted_scanner& server, tcp::socket socket, std::size_t id)
      : server_{server}, socket_{std::move(socket)},
        timer_{socket_.get_executor()}, id_{id} {
    // nop
  }

  void read_next() {
    request_ = {};
    http::async_read(
        socket_, buffer_, request_,
        [self = shared_from_this()](const error_code& ec, std::size_t) {
          self->on_read(ec);
        });
  }

  void stop() {
    error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

private:
  void on_read(const error_code& ec) {
    if (ec) {
      // The client went away (or sent something that is not HTTP).
      stop();
      return;
    }
    reply_ = server_.on_request({request_, id_});
    if (reply_.delay.count() == 0)
      return act();
    timer_.expires_after(reply_.delay);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec)
        self->act();
    });
  }

  void act() {
    using action = scripted_reply::action;
    switch (reply_.what) {
    case action::respond:
      return respond();
    case action::close:
      server_.on_answered();
      return stop();
    case action::reset: {
      // A zero linger time turns close into a reset.
      error_code ignored;
      socket_.set_option(asio::socket_base::linger{true, 0}, ignored);
      server_.on_answered();
      return stop();
    }
    case action::garbage:
      raw_ = "this is not HTTP at all\r\n\r\n";
      asio::async_write(
          socket_, asio::buffer(raw_),
          [self = shared_from_this()](const error_code&, std::size_t) {
            self->server_.on_answered();
            self->stop();
          });
      return;
    case action::silent:
      return;
    }
  }

  void respond() {
    response_.emplace(static_cast<http::status>(reply_.status), 11);
    response_->set(http::field::content_type, "application/json");
    response_->keep_alive(!reply_.connection_close_header);
    response_->body() = reply_.body;
    response_->prepare_payload();
    http::async_write(
        socket_, *response_,
        [self = shared_from_this()](const error_code& ec, std::size_t) {
          self->server_.on_answered();
          if (ec || self->reply_.close_after_reply)
            return self->stop();
          self->read_next();
        });
  }

  scripted_scanner& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::size_t id_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  scripted_reply reply_;
  std::optional<http::response<http::string_body>> response_;
  std::string raw_;
};

scripted_scanner::scripted_scanner(script decide)
    : decide_{std::move(decide)}, acceptor_{ioc_} {
  tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), 0};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address{true});
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread{[this] {
    ioc_.run();
  }};
}

scripted_scanner::~scripted_scanner() {
  asio::post(ioc_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
    for (auto& s : sessions_)
      s->stop();
  });
  // Every pending operation ends with the sockets, so run() returns.
  thread_.join();
}

void scripted_scanner::accept() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec)
      return;
    std::size_t id = 0;
    {
      std::lock_guard guard{mutex_};
      id = accepted_++;
    }
    auto s = std::make_shared<session>(*this, std::move(socket), id);
    sessions_.push_back(s);
    s->read_next();
    accept();
  });
}

scripted_reply scripted_scanner::on_request(received_request request) {
  std::size_t index = 0;
  {
    std::lock_guard guard{mutex_};
    index = requests_.size();
    requests_.push_back(request);
    ++unanswered_;
    peak_unanswered_ = std::max(peak_unanswered_, unanswered_);
  }
  arrived_.notify_all();
  return decide_(request, index);
}

void scripted_scanner::on_answered() {
  std::lock_guard guard{mutex_};
  --unanswered_;
}

std::size_t scripted_scanner::accepted() const {
  std::lock_guard guard{mutex_};
  return accepted_;
}

std::size_t scripted_scanner::peak_unanswered() const {
  std::lock_guard guard{mutex_};
  return peak_unanswered_;
}

std::vector<received_request> scripted_scanner::requests() const {
  std::lock_guard guard{mutex_};
  return requests_;
}

bool scripted_scanner::wait_for_requests(std::size_t count,
                                         std::chrono::milliseconds bound) {
  std::unique_lock lock{mutex_};
  return arrived_.wait_for(lock, bound,
                           [&] { return requests_.size() >= count; });
}

std::uint16_t unused_port() {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), 0};
  acceptor.open(endpoint.protocol());
  acceptor.bind(endpoint);
  auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

} // namespace deltascan::test
