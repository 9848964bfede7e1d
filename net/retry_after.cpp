// Turns the wait a throttled or unavailable scanner asks for into a
// duration the retry policy can use, whichever of HTTP's forms it came in.
#include "net/retry_after.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace deltascan::net {

namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 7> short_day_names{
    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

constexpr std::array<std::string_view, 7> long_day_names{
    "Monday", "Tuesday",  "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday"};

constexpr std::array<std::string_view, 12> month_names{
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_digit(char ch) {
  return ch >= '0' && ch <= '9';
}

/// Reads a date left to right; every step consumes only on success, and a
/// failed step leaves the whole parse failed, so no backtracking is needed.
class date_reader {
public:
  explicit date_reader(std::string_view text) : rest_{text} {
    // nop
  }

  bool literal(std::string_view expected) {
    if (rest_.substr(0, expected.size()) != expected)
      return false;
    rest_.remove_prefix(expected.size());
    return true;
  }

  /// Exactly `count` digits.
  std::optional<int> number(std::size_t count) {
    if (rest_.size() < count)
      return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (!is_digit(rest_[i]))
        return std::nullopt;
      value = value * 10 + (rest_[i] - '0');
    }
    rest_.remove_prefix(count);
    return value;
  }

  /// One of `names`; gives its index.
  template <std::size_t N>
  std::optional<unsigned> one_of(const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i)
      if (literal(names[i]))
        return static_cast<unsigned>(i);
    return std::nullopt;
  }

  bool done() const { return rest_.empty(); }

private:
  std::string_view rest_;
};

struct time_of_day {
  int hour = 0;
  int minute = 0;
  int second = 0;
};

/// `HH:MM:SS`; a second of 60 is a leap second.
std::optional<time_of_day> read_time(date_reader& in) {
  time_of_day t;
  auto hour = in.number(2);
  if (!hour || !in.literal(":"))
    return std::nullopt;
  auto minute = in.number(2);
  if (!minute || !in.literal(":"))
    return std::nullopt;
  auto second = in.number(2);
  if (!second || *hour > 23 || *minute > 59 || *second > 60)
    return std::nullopt;
  return time_of_day{*hour, *minute, *second};
}

std::optional<sys_seconds> make_date(int year, unsigned month_index, int day,
                                     const time_of_day& t) {
  year_month_day date{std::chrono::year{year}, month{month_index + 1},
                      std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok())
    return std::nullopt;
  return sys_days{date} + hours{t.hour} + minutes{t.minute} + seconds{t.second};
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
std::optional<sys_seconds> read_imf_fixdate(std::string_view text) {
  date_reader in{text};
  if (!in.one_of(short_day_names) || !in.literal(", "))
    return std::nullopt;
  auto day = in.number(2);
  if (!day || !in.literal(" "))
    return std::nullopt;
  auto month_index = in.one_of(month_names);
  if (!month_index || !in.literal(" "))
    return std::nullopt;
  auto year = in.number(4);
  if (!year || !in.literal(" "))
    return std::nullopt;
  auto t = read_time(in);
  if (!t || !in.literal(" GMT") || !in.done())
    return std::nullopt;
  return make_date(*year, *month_index, *day, *t);
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`
std::optional<sys_seconds> read_rfc850_date(std::string_view text,
                                            system_clock::time_point now) {
  date_reader in{text};
  if (!in.one_of(long_day_names) || !in.literal(", "))
    return std::nullopt;
  auto day = in.number(2);
  if (!day || !in.literal("-"))
    return std::nullopt;
  auto month_index = in.one_of(month_names);
  if (!month_index || !in.literal("-"))
    return std::nullopt;
  auto two_digits = in.number(2);
  if (!two_digits || !in.literal(" "))
    return std::nullopt;
  auto t = read_time(in);
  if (!t || !in.literal(" GMT") || !in.done())
    return std::nullopt;
  // RFC 9110 reads a year more than 50 years ahead as the most recent past
  // year with the same last two digits: the latest year with those digits
  // up to 50 years after now.
  auto this_year = static_cast<int>(year_month_day{floor<days>(now)}.year());
  auto year = this_year - this_year % 100 + *two_digits;
  if (year > this_year + 50)
    year -= 100;
  else if (year + 100 <= this_year + 50)
    year += 100;
  return make_date(year, *month_index, *day, *t);
}

/// `Sun Nov  6 08:49:37 1994`: the day is two digits or a space and one.
std::optional<sys_seconds> read_asctime_date(std::string_view text) {
  date_reader in{text};
  if (!in.one_of(short_day_names) || !in.literal(" "))
    return std::nullopt;
  auto month_index = in.one_of(month_names);
  if (!month_index || !in.literal(" "))
    return std::nullopt;
  auto day = in.literal(" ") ? in.number(1) : in.number(2);
  if (!day || !in.literal(" "))
    return std::nullopt;
  auto t = read_time(in);
  if (!t || !in.literal(" "))
    return std::nullopt;
  auto year = in.number(4);
  if (!year || !in.done())
    return std::nullopt;
  return make_date(*year, *month_index, *day, *t);
}

std::string_view trim_whitespace(std::string_view text) {
  auto is_space = [](char ch) {
    return ch == ' ' || ch == '\t';
  };
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

/// Digits only, saturating at the ceiling instead of overflowing.
std::optional<seconds> read_delta_seconds(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  std::int64_t value = 0;
  for (auto ch : text) {
    if (!is_digit(ch))
      return std::nullopt;
    if (value < retry_after_ceiling.count())
      value = value * 10 + (ch - '0');
  }
  return std::min(seconds{value}, retry_after_ceiling);
}

} // namespace

std::optional<sys_seconds> parse_http_date(std::string_view text,
                                           system_clock::time_point now) {
  if (auto date = read_imf_fixdate(text))
    return date;
  if (auto date = read_rfc850_date(text, now))
    return date;
  return read_asctime_date(text);
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              system_clock::time_point now) {
  value = trim_whitespace(value);
  if (!value.empty() && is_digit(value.front())) {
    auto delta = read_delta_seconds(value);
    if (!delta)
      return std::nullopt;
    return duration_cast<milliseconds>(*delta);
  }
  auto date = parse_http_date(value, now);
  if (!date)
    return std::nullopt;
  // Both sides in milliseconds of the epoch: a far date in nanoseconds would
  // overflow. The date is whole seconds, so flooring `now` rounds the wait
  // up, and waiting that long never ends before the date.
  auto wait = time_point_cast<milliseconds>(*date) - floor<milliseconds>(now);
  if (wait <= milliseconds::zero())
    return milliseconds::zero();
  return std::min(wait, duration_cast<milliseconds>(retry_after_ceiling));
}

} // namespace deltascan::net
