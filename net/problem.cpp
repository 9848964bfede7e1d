// Builds the problem details replies of deltascand and the stub scanner.
#include "net/problem.hpp"

#include "model/json_writer.hpp"

namespace deltascan::net {

namespace {

constexpr std::string_view problem_type_base =
    "https://deltascan.dev/problems/";

http_response problem_response(http::status status, std::string body,
                               unsigned version, bool keep_alive) {
  http_response res{status, version};
  res.set(http::field::content_type, problem_content_type);
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

} // namespace

std::string problem_body(std::string_view type, std::string_view title,
                         unsigned status, std::string_view detail) {
  std::string out;
  out.reserve(64 + type.size() + title.size() + detail.size());
  json_object_writer{out}
      .string("type", type)
      .string("title", title)
      .number("status", status)
      .string("detail", detail)
      .finish();
  return out;
}

http_response make_problem(http::status status, std::string_view detail,
                           unsigned version, bool keep_alive) {
  auto code = static_cast<unsigned>(status);
  auto title = http::obsolete_reason(status);
  return problem_response(status,
                          problem_body("about:blank", title, code, detail),
                          version, keep_alive);
}

http_response make_problem(http::status status, problem_kind kind,
                           std::string_view detail, unsigned version,
                           bool keep_alive) {
  auto code = static_cast<unsigned>(status);
  std::string type{problem_type_base};
  type += kind.slug;
  return problem_response(status, problem_body(type, kind.title, code, detail),
                          version, keep_alive);
}

} // namespace deltascan::net
