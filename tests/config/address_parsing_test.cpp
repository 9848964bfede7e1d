// The listen address and the scanner URL: which spellings are accepted and
// what they are parsed into.
#include "config/address_parsing.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;

TEST_CASE("listen addresses are host:port") {
  CHECK(parse_host_port("127.0.0.1:8080") == host_port{"127.0.0.1", 8080});
  CHECK(parse_host_port("0.0.0.0:0") == host_port{"0.0.0.0", 0});
  CHECK(parse_host_port("[::1]:443") == host_port{"::1", 443});
  CHECK(parse_host_port("[fe80::1:2]:1") == host_port{"fe80::1:2", 1});
  CHECK(parse_host_port("localhost:65535") == host_port{"localhost", 65535});
  CHECK(parse_host_port("a.b-c.example.:1") == host_port{"a.b-c.example.", 1});
  for (auto bad : {"",
                   "127.0.0.1",
                   "127.0.0.1:",
                   ":80",
                   "localhost:80:1",
                   "::1:80",
                   "[::1]",
                   "[::1]80",
                   "[localhost]:80",
                   "256.0.0.1:80",
                   "1.2.3:80",
                   "-bad.example:80",
                   "under_score:80",
                   "a..b:80",
                   "host:-1",
                   "host:+80",
                   "host:65536",
                   "host:1234567",
                   " host:80",
                   "host:80 "}) {
    INFO(bad);
    CHECK_FALSE(parse_host_port(bad));
  }
}

TEST_CASE("scanner URLs are http(s) with an optional port and base path") {
  CHECK(parse_http_url("http://127.0.0.1:8081") ==
        http_endpoint{"http", "127.0.0.1", 8081, ""});
  CHECK(parse_http_url("http://scanner") ==
        http_endpoint{"http", "scanner", 80, ""});
  CHECK(parse_http_url("HTTP://Scanner:81/") ==
        http_endpoint{"http", "Scanner", 81, ""});
  CHECK(parse_http_url("http://[::1]:9000/api/v1//") ==
        http_endpoint{"http", "::1", 9000, "/api/v1"});
  CHECK(parse_http_url("http://scanner/a/b") ==
        http_endpoint{"http", "scanner", 80, "/a/b"});
  CHECK(parse_http_url("https://scanner") ==
        http_endpoint{"https", "scanner", 443, ""});
  CHECK(parse_http_url("HTTPS://scanner:8443/api/") ==
        http_endpoint{"https", "scanner", 8443, "/api"});
  for (auto bad :
       {"", "scanner:80", "ftp://scanner", "https://", "https:/scanner",
        "https://scanner:0", "http://", "http://:80", "http://scanner:0",
        "http://scanner:70000", "http://user@scanner", "http://scanner?x",
        "http://scanner/a?x=1", "http://scanner/#top", "http://scanner/a b",
        "http://[::1/", "http:/scanner"}) {
    INFO(bad);
    CHECK_FALSE(parse_http_url(bad));
  }
}

TEST_CASE("addresses render back to what parses to them") {
  CHECK(to_string(host_port{"::1", 8080}) == "[::1]:8080");
  CHECK(to_string(host_port{"localhost", 0}) == "localhost:0");
  http_endpoint url{"http", "::1", 80, "/scan"};
  CHECK(to_string(url) == "http://[::1]:80/scan");
  CHECK(parse_http_url(to_string(url)) == url);
}
