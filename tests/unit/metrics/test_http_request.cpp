#include <doctest/doctest.h>

#include <string>

#include "metrics/http_request.h"

using namespace p2psip::metrics;

TEST_CASE("head_end: the blank line after the head, CRLF or bare LF; nothing until then") {
  CHECK_FALSE(head_end(""));
  CHECK_FALSE(head_end("GET /health HTTP/1.1\r\nHost: x\r\n"));
  CHECK_FALSE(head_end("GET /health HTTP/1.1\r\nHost: x\r\n\r"));
  std::string head = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(head_end(head));
  CHECK(*head_end(head) == head.size());
  CHECK(*head_end(head + "trailing") == head.size());
  CHECK(*head_end("GET / HTTP/1.0\n\n") == 16);
}

TEST_CASE("parse_request: GET and HEAD with the query stripped") {
  auto get = parse_request("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  REQUIRE(get);
  CHECK(get->method == "GET");
  CHECK(get->path == "/metrics");
  auto head = parse_request("HEAD /health HTTP/1.0\r\n\r\n");
  REQUIRE(head);
  CHECK(head->method == "HEAD");
  CHECK(head->path == "/health");
}

TEST_CASE("parse_request: the answers to malformed and unsupported request lines") {
  auto status = [](const char* head) {
    auto r = parse_request(head);
    return r ? 0 : r.error().status;
  };
  CHECK(status("POST /health HTTP/1.1\r\n\r\n") == 405);
  CHECK(status("GET /health HTTP/2.0\r\n\r\n") == 505);
  CHECK(status("GET /health\r\n\r\n") == 400);
  CHECK(status("GET  /health HTTP/1.1\r\n\r\n") == 400);
  CHECK(status("GET /health HTTP/1.1 x\r\n\r\n") == 400);
  CHECK(status("G(T /health HTTP/1.1\r\n\r\n") == 400);
  CHECK(status("GET /he\x01th HTTP/1.1\r\n\r\n") == 400);
  CHECK(status("GET /health HTTX/1.1\r\n\r\n") == 400);
  CHECK(status("\r\n\r\n") == 400);
}

TEST_CASE("serialize: length, no-store and close; HEAD without the body; 405 names Allow") {
  HttpResponse r{200, "OK", "application/json", "{}\n"};
  std::string full = serialize(r, false);
  CHECK(full.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(full.find("Content-Length: 3\r\n") != std::string::npos);
  CHECK(full.find("Connection: close\r\n") != std::string::npos);
  CHECK(full.find("Cache-Control: no-store\r\n") != std::string::npos);
  CHECK(full.substr(full.size() - 7) == "\r\n\r\n{}\n");
  std::string head = serialize(r, true);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
  CHECK(head.find("Content-Length: 3\r\n") != std::string::npos);
  std::string not_allowed = serialize(error_response(405), false);
  CHECK(not_allowed.find("Allow: GET, HEAD\r\n") != std::string::npos);
  CHECK(error_response(431).reason == "Request Header Fields Too Large");
}

TEST_CASE("eviction_victim: the oldest connection still waiting for its request, else the oldest") {
  CHECK(eviction_victim({false}) == 0);
  CHECK(eviction_victim({false, false, false}) == 0);
  CHECK(eviction_victim({true, true, false, false}) == 2);
  CHECK(eviction_victim({true, true}) == 0);
}
