// request_shape(): what request_check looks at, read from a request parsed with the liberal
// message class.
#include <doctest/doctest.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include <string>

#include "gateway/sip/liberal_parser.h"
#include "gateway/sip/request_shape.h"

namespace {

p2psip::sip::RequestVerdict verdict_for(const std::string& request_line, const std::string& extra = "") {
  std::string text = request_line +
                     "\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\n"
                     "To: <sip:b@example.com>\r\nCall-ID: c@h\r\nCSeq: 1 INVITE\r\n" +
                     extra + "Content-Length: 0\r\n\r\n";
  msg_t* msg = msg_make(p2psip::sip::liberal_sip_mclass(), 0, text.data(), text.size());
  REQUIRE(msg);
  const sip_t* sip = sip_object(msg);
  REQUIRE(sip->sip_request);
  auto v = p2psip::sip::check_request(p2psip::sip::request_shape(sip));
  msg_destroy(msg);
  return v;
}

}  // namespace

TEST_CASE("request_shape: a plain request goes on; a Request-URI with a path is 400") {
  CHECK(verdict_for("INVITE sip:bob@example.com:5060;transport=udp SIP/2.0").status == 0);
  // Sofia encodes these back as sip:bob@a.example.evil.com and sip:service@192.0.2.20:5060UDP.
  CHECK(verdict_for("INVITE sip:bob@a.example/.evil.com SIP/2.0").status == 400);
  CHECK(verdict_for("INVITE sip:service@192.0.2.20:5060/UDP SIP/2.0").status == 400);
  CHECK(verdict_for("INVITE sip:bob@example.com/ SIP/2.0").status == 400);
  // A "/" in the userinfo (RFC 3261 user-unreserved; RFC 4475 intmeth) or a parameter is none.
  CHECK(verdict_for("INVITE sip:user/x:pass/y@example.com;foo=a/b SIP/2.0").status == 0);
}

TEST_CASE("request_shape: the faults of RFC 4475 it reads from the parsed request") {
  CHECK(verdict_for("INVITE sip:bob@example.com SIP/2.0", "Proxy-Require: foo, bar\r\n").unsupported ==
        "foo, bar");
  CHECK(verdict_for("INVITE sip:bob@example.com?Route=%3Csip:x%3E SIP/2.0").status == 400);
  CHECK(verdict_for("INVITE sip:bob@example.com; lr SIP/2.0").status == 400);
  CHECK(verdict_for("INVITE tel:+1-201-555-0123 SIP/2.0").status == 416);
  CHECK(verdict_for("OPTIONS sip:bob@example.com SIP/2.0").status == 400);  // CSeq says INVITE
}
