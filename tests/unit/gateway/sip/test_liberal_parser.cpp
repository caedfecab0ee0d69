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

namespace {

using p2psip::sip::kNulStandIn;
using p2psip::sip::scrub_header_nuls;

// scrub_header_nuls on a copy of `text` (which starts just after a start line's CR);
// returns the counts and leaves the scrubbed text in `text`.
p2psip::sip::NulScrub scrub(std::string& text) {
  return scrub_header_nuls(text.data(), text.data() + text.size());
}

std::string with_nul(std::string_view before, std::string_view after) {
  return std::string(before) + '\0' + std::string(after);
}

}  // namespace

TEST_CASE("a NUL as the octet of a quoted-pair (RFC 3261 §25.1) becomes the stand-in, legal") {
  std::string quoted = with_nul("\nTo: \"BEL:\\\a NUL:\\", " DEL:\\\x7f\" <sip:a@b>\r\nCSeq: 1 X\r\n\r\n");
  auto r = scrub(quoted);
  CHECK(r.quoted == 1);
  CHECK(r.stray == 0);
  CHECK(quoted.find('\0') == std::string::npos);
  CHECK(quoted.find(std::string("NUL:\\") + kNulStandIn + " DEL") != std::string::npos);
  std::string comment = with_nul("\nUser-Agent: x/1 (a \\", ")\r\n\r\n");
  r = scrub(comment);
  CHECK(r.quoted == 1);
  CHECK(r.stray == 0);
  std::string folded = with_nul("\nTo: \"a\r\n b\\", "\" <sip:a@b>\r\n\r\n");  // LWS folds
  CHECK(scrub(folded).quoted == 1);
  std::string escaped_quote = with_nul("\nTo: \"a\\\"b\\", "\" <sip:a@b>\r\n\r\n");  // \" stays inside
  CHECK(scrub(escaped_quote).quoted == 1);
}

TEST_CASE("a NUL anywhere else in the header section is stray; a body is left alone") {
  std::string bare = with_nul("\nSubject: a", "b\r\n\r\n");
  auto r = scrub(bare);
  CHECK(r.stray == 1);
  CHECK(r.quoted == 0);
  CHECK(bare.find('\0') == std::string::npos);
  std::string unquoted = with_nul("\nCall-ID: a\\", "b\r\n\r\n");  // "\" outside quotes
  CHECK(scrub(unquoted).stray == 1);
  std::string closed = with_nul("\nTo: \"a\\\\\"\\", "\r\n\r\n");  // escaped "\", then closed
  CHECK(scrub(closed).stray == 1);
  std::string not_next = with_nul("\nTo: \"\\a", "\"\r\n\r\n");  // a quoted-pair is 2 octets
  CHECK(scrub(not_next).stray == 1);
  std::string next_field = with_nul("\nTo: \"open\r\nSubject: \\", "\r\n\r\n");  // new field
  CHECK(scrub(next_field).stray == 1);
  std::string body = with_nul("\nContent-Length: 3\r\n\r\na", "b");
  r = scrub(body);
  CHECK(r.quoted + r.stray == 0);
  CHECK(body.find('\0') != std::string::npos);
  std::string lf_only = with_nul("\nContent-Length: 3\n\na", "b");  // a bare-LF empty line
  r = scrub(lf_only);
  CHECK(r.quoted + r.stray == 0);
  CHECK(lf_only.find('\0') != std::string::npos);
}

TEST_CASE("intmeth's escaped NUL no longer ends the parse: every header is there, no error") {
  std::string text = request("!interesting-Method0123456789_*+`.%indeed'~ sip:user@example.com SIP/2.0",
                             "139122385 !interesting-Method0123456789_*+`.%indeed'~");
  std::string to = "To: <sip:b@example.com>";
  text.replace(text.find(to), to.size(), with_nul("To: \"BEL:\\\a NUL:\\", " DEL:\\\x7f\" <sip:b@example.com>"));
  Parsed p(text);
  REQUIRE(p.sip->sip_request);
  REQUIRE(p.sip->sip_to);
  CHECK(std::string_view(p.sip->sip_to->a_display) ==
        std::string("\"BEL:\\\a NUL:\\") + kNulStandIn + " DEL:\\\x7f\"");
  REQUIRE(p.sip->sip_cseq);
  CHECK(p.sip->sip_cseq->cs_seq == 139122385u);
  CHECK(p.sip->sip_call_id);
  CHECK(p.sip->sip_content_length);
  CHECK_FALSE(p.sip->sip_error);
  CHECK((p.sip->sip_flags & MSG_FLG_ERROR) == 0);
}

TEST_CASE("a stray NUL is parsed past and flags the request for nta's 400") {
  std::string text = request("OPTIONS sip:user@example.com SIP/2.0", "7 OPTIONS");
  text.insert(text.find("CSeq:"), with_nul("Subject: a", "b\r\n"));
  Parsed p(text);
  REQUIRE(p.sip->sip_request);
  CHECK(p.sip->sip_cseq);  // after the NUL: parsed
  CHECK((p.sip->sip_flags & MSG_FLG_ERROR) != 0);
}

TEST_CASE("a response's header section is scrubbed too; its body keeps its NULs") {
  std::string text = with_nul("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
                              "From: <sip:a@example.com>;tag=1\r\nTo: \"\\", "\" <sip:b@example.com>;tag=2\r\n"
                              "Call-ID: c@h\r\nCSeq: 1 OPTIONS\r\nContent-Length: 2\r\n\r\n") +
                     with_nul("a", "");
  Parsed p(text);
  REQUIRE(p.sip->sip_status);
  CHECK(p.sip->sip_status->st_status == 200);
  REQUIRE(p.sip->sip_cseq);
  REQUIRE(p.sip->sip_payload);
  CHECK(std::string_view(p.sip->sip_payload->pl_data, p.sip->sip_payload->pl_len) ==
        std::string_view("a\0", 2));
  CHECK((p.sip->sip_flags & MSG_FLG_ERROR) == 0);
}
