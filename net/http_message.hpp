// The HTTP messages deltascand's server exchanges with runtime observers and
// that the stub scanner exchanges with deltascand: whole requests and
// responses with string bodies, small enough to hold in memory.
#pragma once

#include "net/padded_body.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace deltascan::net {

namespace http = boost::beast::http;

using http_request = http::request<padded_string_body>;
using http_response = http::response<http::string_body>;

} // namespace deltascan::net
