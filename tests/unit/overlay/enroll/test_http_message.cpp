#include "overlay/enroll/http_message.h"

#include <doctest/doctest.h>

namespace p2psip::enroll {

using State = HttpParse::State;

TEST_CASE("http: a POST is complete only with its whole Content-Length body") {
  std::string head = "POST /enroll?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data; boundary=q\r\nContent-Length: 5\r\n\r\n";
  CHECK(parse_http_request(head.substr(0, 20), 100).state == State::incomplete);
  CHECK(parse_http_request(head + "abcd", 100).state == State::incomplete);
  auto p = parse_http_request(head + "abcde", 100);
  REQUIRE(p.state == State::complete);
  CHECK(p.request.method == "POST");
  CHECK(p.request.path == "/enroll");
  CHECK(p.request.body == "abcde");
  CHECK(p.request.header("content-type").value() == "multipart/form-data; boundary=q");
  auto get = parse_http_request("GET /.well-known/reload-config HTTP/1.1\r\n\r\n", 100);
  REQUIRE(get.state == State::complete);
  CHECK(get.request.body.empty());
}

TEST_CASE("http: limits and malformed requests give the status to answer") {
  CHECK(parse_http_request("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 100).status == 413);
  CHECK(parse_http_request("POST / HTTP/1.1\r\n\r\n", 100).status == 411);
  CHECK(parse_http_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 100).status == 501);
  CHECK(parse_http_request("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 100).status == 400);
  CHECK(parse_http_request("GET / HTTP/2.0\r\n\r\n", 100).status == 505);
  CHECK(parse_http_request("GET\r\n\r\n", 100).status == 400);
  CHECK(parse_http_request("GET / HTTP/1.1\r\nno colon\r\n\r\n", 100).status == 400);
  CHECK(parse_http_request(std::string(kMaxHttpHead + 1, 'a'), 100).status == 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i <= kMaxHttpHeaders; ++i) many += "X: y\r\n";
  CHECK(parse_http_request(many + "\r\n", 100).status == 431);
}

TEST_CASE("http: answers close the connection and carry their length") {
  std::string r = http_response(403, "text/plain", "bad_CSR\n");
  CHECK(r.starts_with("HTTP/1.1 403 Forbidden\r\n"));
  CHECK(r.find("Content-Length: 8\r\n") != std::string::npos);
  CHECK(r.find("Connection: close\r\n") != std::string::npos);
  CHECK(r.ends_with("\r\n\r\nbad_CSR\n"));
}

}  // namespace p2psip::enroll
