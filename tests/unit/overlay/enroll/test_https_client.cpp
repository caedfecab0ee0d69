#include "overlay/enroll/https_client.h"

#include <doctest/doctest.h>

namespace p2psip::enroll {

TEST_CASE("https url: host, port and path, IPv6 in brackets") {
  auto a = parse_https_url("https://192.0.2.1:8443/.well-known/reload-config");
  REQUIRE(a);
  CHECK(a->host == "192.0.2.1");
  CHECK(a->port == 8443);
  CHECK(a->path == "/.well-known/reload-config");
  auto b = parse_https_url("https://[2001:db8::1]/enroll");
  REQUIRE(b);
  CHECK(b->host == "2001:db8::1");
  CHECK(b->port == 443);
  auto c = parse_https_url("https://example.org");
  REQUIRE(c);
  CHECK(c->path == "/");
  for (const char* bad : {"http://a/", "https://", "https://:1/", "https://a:0/", "https://a:70000/",
                          "https://a:x/", "https://[::1/", "https://[::1]x/"}) {
    CHECK_MESSAGE(!parse_https_url(bad), bad);
  }
}

TEST_CASE("http answer: status, content type and a body cut at Content-Length") {
  auto a = parse_http_answer("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
                             "Content-Length: 8\r\n\r\nbad_CSR\nextra");
  REQUIRE(a);
  CHECK(a->status == 403);
  CHECK(a->content_type == "text/plain");
  CHECK(a->body == "bad_CSR\n");
  auto b = parse_http_answer("HTTP/1.0 200 OK\r\n\r\nall of it");
  REQUIRE(b);
  CHECK(b->body == "all of it");
  CHECK_FALSE(parse_http_answer("garbage"));
  CHECK_FALSE(parse_http_answer("HTTP/1.1 2x0 OK\r\n\r\n"));
  CHECK_FALSE(parse_http_answer("HTTP/1.1 200 OK\r\n"));
}

}  // namespace p2psip::enroll
