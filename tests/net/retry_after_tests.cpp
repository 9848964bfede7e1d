// How long a throttled or unavailable scanner asks scan submissions to wait:
// every form of Retry-After HTTP allows, and everything else refused, read
// against a fixed "now" so the answers do not depend on the clock.
#include "net/retry_after.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace std::chrono;
using namespace std::chrono_literals;
using deltascan::net::parse_http_date;
using deltascan::net::parse_retry_after;
using deltascan::net::retry_after_ceiling;

namespace {

/// Sun, 06 Nov 1994 08:49:37 GMT, the example date of RFC 9110.
const sys_seconds example_date =
    sys_days{1994y / November / 6} + 8h + 49min + 37s;

/// A fixed "now" in 2026.
const system_clock::time_point now_2026 =
    sys_days{2026y / March / 14} + 12h + 30min;

const milliseconds ceiling_ms =
    duration_cast<milliseconds>(retry_after_ceiling);

} // namespace

TEST_CASE("Retry-After delta-seconds is a wait in seconds", "[net][retry]") {
  auto [text, expected] = GENERATE(table<std::string, milliseconds>({
      {"0", 0ms},
      {"1", 1000ms},
      {"120", 120'000ms},
      {"007", 7000ms},
      {" 5", 5000ms},
      {"5\t ", 5000ms},
      {"86400", 86'400'000ms},
  }));
  INFO("Retry-After: '" << text << "'");
  CHECK(parse_retry_after(text, now_2026) == expected);
}

TEST_CASE("Retry-After delta-seconds too large for the ceiling is clamped",
          "[net][retry]") {
  auto text = GENERATE(as<std::string>{}, "2147483647", "2147483648",
                       "99999999999999999999999999999999");
  INFO("Retry-After: '" << text << "'");
  CHECK(parse_retry_after(text, now_2026) == ceiling_ms);
}

TEST_CASE("Retry-After that is neither delta-seconds nor a date is refused",
          "[net][retry]") {
  auto text = GENERATE(as<std::string>{}, "", " ", "\t", "-1", "+1", "1.5",
                       "1e3", "1s", "1 2", "0x10", "abc", "soon", "\xd9\xa1",
                       "Sun", "Sun, 06 Nov 1994", "1994-11-06T08:49:37Z");
  INFO("Retry-After: '" << text << "'");
  CHECK_FALSE(parse_retry_after(text, now_2026));
}

TEST_CASE("HTTP-date is read in its three forms", "[net][retry]") {
  auto text = GENERATE(as<std::string>{}, "Sun, 06 Nov 1994 08:49:37 GMT",
                       "Sunday, 06-Nov-94 08:49:37 GMT",
                       "Sun Nov  6 08:49:37 1994", "Sun Nov 06 08:49:37 1994");
  INFO("date: '" << text << "'");
  CHECK(parse_http_date(text, now_2026) == example_date);
}

TEST_CASE("HTTP-date reads every month and both ends of the clock",
          "[net][retry]") {
  const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned m = 0; m < 12; ++m) {
    auto text = std::string{"Mon, 01 "} + months[m] + " 2024 00:00:00 GMT";
    INFO("date: '" << text << "'");
    CHECK(parse_http_date(text, now_2026) ==
          sys_days{2024y / month{m + 1} / 1});
  }
  CHECK(parse_http_date("Tue, 31 Dec 2024 23:59:59 GMT", now_2026) ==
        sys_days{2024y / December / 31} + 23h + 59min + 59s);
  // A leap second is the first second of the next minute.
  CHECK(parse_http_date("Wed, 31 Dec 2016 23:59:60 GMT", now_2026) ==
        sys_days{2017y / January / 1});
  CHECK(parse_http_date("Tue, 29 Feb 2000 12:00:00 GMT", now_2026) ==
        sys_days{2000y / February / 29} + 12h);
}

TEST_CASE("HTTP-date does not check the day name against the date",
          "[net][retry]") {
  // Being lenient here loses nothing: the date itself is unambiguous.
  CHECK(parse_http_date("Fri, 06 Nov 1994 08:49:37 GMT", now_2026) ==
        example_date);
}

TEST_CASE("HTTP-date refuses malformed text and days that do not exist",
          "[net][retry]") {
  auto text = GENERATE(
      as<std::string>{},
      // Days and times out of range.
      "Sun, 31 Nov 1994 08:49:37 GMT", "Mon, 29 Feb 2021 08:49:37 GMT",
      "Thu, 29 Feb 1900 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:37 GMT",
      "Sun, 06 Nov 1994 08:49:61 GMT",
      // Names are case-sensitive and must exist.
      "sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49:37 gmt", "Xyz, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nox 1994 08:49:37 GMT",
      // Field widths and separators.
      "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 06 Nov 1994 8:49:37 GMT", "Sun 06 Nov 1994 08:49:37 GMT",
      "Sun,  06 Nov 1994 08:49:37 GMT", "Sun, 06-Nov-1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMT extra", "Sun, 06 Nov 1994 08:49:37",
      // The obsolete forms, broken.
      "Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT",
      "Sunday, 06-Nov-94 08:49:37", "Sun Nov 6 08:49:37 1994",
      "Sun Nov  6 08:49:37 94", "Sun Nov  6 08:49:37 1994 GMT",
      "Sun Nov   6 08:49:37 1994", "");
  INFO("date: '" << text << "'");
  CHECK_FALSE(parse_http_date(text, now_2026));
}

TEST_CASE("HTTP-date reads a two-digit year as at most 50 years ahead",
          "[net][retry]") {
  auto [text, year] = GENERATE(table<std::string, int>({
      {"Monday, 01-Jan-00 00:00:00 GMT", 2000},
      {"Monday, 01-Jan-26 00:00:00 GMT", 2026},
      {"Monday, 01-Jan-76 00:00:00 GMT", 2076},
      {"Monday, 01-Jan-77 00:00:00 GMT", 1977},
      {"Monday, 01-Jan-99 00:00:00 GMT", 1999},
  }));
  INFO("date: '" << text << "'");
  CHECK(parse_http_date(text, now_2026) ==
        sys_days{std::chrono::year{year} / January / 1});
  // The same digits read differently once "now" moves on a century.
  auto now_2090 = sys_days{2090y / June / 1};
  CHECK(parse_http_date("Monday, 01-Jan-40 00:00:00 GMT", now_2090) ==
        sys_days{2140y / January / 1});
  CHECK(parse_http_date("Monday, 01-Jan-41 00:00:00 GMT", now_2090) ==
        sys_days{2041y / January / 1});
}

TEST_CASE("Retry-After date is the wait until it, rounded up", "[net][retry]") {
  const std::string date = "Sun, 06 Nov 1994 08:49:37 GMT";
  auto before = [&](system_clock::duration d) {
    return parse_retry_after(date, system_clock::time_point{example_date} - d);
  };
  CHECK(before(10s) == 10'000ms);
  CHECK(before(1500ms) == 1500ms);
  // Waiting less than the full interval would retry too early.
  CHECK(before(1ns) == 1ms);
  CHECK(before(999'999ns) == 1ms);
  CHECK(before(1'000'001ns) == 2ms);
  CHECK(parse_retry_after("  " + date + "\t",
                          system_clock::time_point{example_date} - 2s) ==
        2000ms);
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994",
                          system_clock::time_point{example_date} - 3s) ==
        3000ms);
}

TEST_CASE("Retry-After date now or in the past means no wait", "[net][retry]") {
  const std::string date = "Sun, 06 Nov 1994 08:49:37 GMT";
  CHECK(parse_retry_after(date, system_clock::time_point{example_date}) == 0ms);
  CHECK(parse_retry_after(date, system_clock::time_point{example_date} + 1ns) ==
        0ms);
  CHECK(parse_retry_after(date, now_2026) == 0ms);
  CHECK(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now_2026) == 0ms);
  CHECK(parse_retry_after("Sat, 01 Jan 0000 00:00:00 GMT", now_2026) == 0ms);
}

TEST_CASE("Retry-After date far ahead is clamped without overflowing",
          "[net][retry]") {
  CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now_2026) ==
        ceiling_ms);
  CHECK(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT", now_2026) ==
        sys_days{9999y / December / 31} + 23h + 59min + 59s);
  // Within the ceiling the exact wait comes back.
  CHECK(parse_retry_after("Sun, 15 Mar 2026 12:30:00 GMT", now_2026) ==
        milliseconds{24h});
}
