#include <doctest/doctest.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include <string>
#include <string_view>

#include "gateway/sip/liberal_parser.h"

namespace {

// Parses `text` with the liberal message class; the message is destroyed by the guard.
struct Parsed {
  explicit Parsed(const std::string& text)
      : msg(msg_make(p2psip::sip::liberal_sip_mclass(), 0, text.data(), text.size())),
        sip(sip_object(msg)) {}
  ~Parsed() { msg_destroy(msg); }
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;
  msg_t* msg;
  sip_t* sip;
};

std::string request(std::string_view line, std::string_view cseq) {
  return std::string(line) + "\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" +
         "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c@h\r\n" +
         "CSeq: " + std::string(cseq) + "\r\nContent-Length: 0\r\n\r\n";
}

}  // namespace

TEST_CASE("an RFC 3261 token method (RFC 4475 intmeth) is an extension method, in CSeq too") {
  Parsed p(request("!interesting-Method0123456789_*+`.%indeed'~ sip:user@example.com SIP/2.0",
                   "139122385 !interesting-Method0123456789_*+`.%indeed'~"));
  REQUIRE(p.sip->sip_request);
  CHECK(p.sip->sip_request->rq_method == sip_method_unknown);
  CHECK(std::string_view(p.sip->sip_request->rq_method_name) ==
        "!interesting-Method0123456789_*+`.%indeed'~");
  CHECK(std::string_view(p.sip->sip_request->rq_url->url_host) == "example.com");
  REQUIRE(p.sip->sip_cseq);
  CHECK(p.sip->sip_cseq->cs_seq == 139122385u);
  CHECK(std::string_view(p.sip->sip_cseq->cs_method_name) == p.sip->sip_request->rq_method_name);
  CHECK_FALSE(p.sip->sip_error);
}

TEST_CASE("LWS inside the Request-URI (RFC 4475 lwsruri) keeps the request, host-less, for a 400") {
  Parsed p(request("INVITE sip:user@example.com; lr SIP/2.0", "1 INVITE"));
  REQUIRE(p.sip->sip_request);
  CHECK(p.sip->sip_request->rq_method == sip_method_invite);
  CHECK(p.sip->sip_request->rq_url->url_type == url_sip);
  CHECK(p.sip->sip_request->rq_url->url_host == nullptr);
}

TEST_CASE("what Sofia parses is parsed as before; what is not a request line still is not") {
  Parsed ok(request("OPTIONS sip:user@example.com SIP/2.0", "7 OPTIONS"));
  REQUIRE(ok.sip->sip_request);
  CHECK(ok.sip->sip_request->rq_method == sip_method_options);
  CHECK(ok.sip->sip_cseq->cs_seq == 7u);
  Parsed version(request("OPTIONS sip:user@example.com SIP/7.0", "7 OPTIONS"));
  REQUIRE(version.sip->sip_request);  // Sofia's own decoder: nta answers 505
  CHECK(std::string_view(version.sip->sip_request->rq_version) == "SIP/7.0");
  Parsed bad_method(request("IN{VITE sip:user@example.com SIP/2.0", "1 INVITE"));
  CHECK_FALSE(bad_method.sip->sip_request);
  Parsed no_version(request("INVITE sip:user@example.com; lr SIP/3.0", "1 INVITE"));
  CHECK_FALSE(no_version.sip->sip_request);
  Parsed bad_cseq(request("OPTIONS sip:user@example.com SIP/2.0", "99999999999 OPTIONS"));
  CHECK_FALSE(bad_cseq.sip->sip_cseq);
}
