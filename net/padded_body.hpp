// The body type of the requests deltascand reads: a std::string, like
// Beast's string_body, but read without zero-filling and with spare room
// at the end. A batch body goes straight to simdjson, which wants padding
// past the last byte; reading into exactly-sized storage would force a
// reallocation and a copy of every (often several hundred KB) body, and
// string_body's resize-then-copy writes each byte twice.
#pragma once

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/optional.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace deltascan::net {

/// Spare capacity after a body read from the network: simdjson's
/// SIMDJSON_PADDING in simdjson 3. The decoder reserves the padding it needs
/// in any case, so a smaller value here would cost a copy, not correctness.
inline constexpr std::size_t body_padding = 64;

struct padded_string_body {
  using value_type = std::string;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
  public:
    template <bool is_request, class Fields>
    reader(boost::beast::http::header<is_request, Fields>&, value_type& body)
        : body_{body} {
      // nop
    }

    void init(const boost::optional<std::uint64_t>& length,
              boost::beast::error_code& ec) {
      ec = {};
      if (!length)
        return;
      if (*length > body_.max_size() - body_padding) {
        ec = boost::beast::http::error::buffer_overflow;
        return;
      }
      body_.reserve(static_cast<std::size_t>(*length) + body_padding);
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers,
                    boost::beast::error_code& ec) {
      std::size_t added = 0;
      for (auto buffer : boost::beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(buffer.data()), buffer.size());
        added += buffer.size();
      }
      ec = {};
      return added;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

  private:
    value_type& body_;
  };

  /// Writing needs nothing special: the same as string_body.
  using writer = boost::beast::http::string_body::writer;
};

} // namespace deltascan::net
