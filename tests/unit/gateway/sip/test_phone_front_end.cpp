#include <doctest/doctest.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include <cstring>
#include <string>

#include "gateway/registrar/authorization.h"
#include "gateway/sip/phone_front_end.h"
#include "gateway/sip/sofia_handles.h"

using p2psip::sip::register_facts;

namespace {

// Parses `text` with Sofia's SIP parser and returns the facts of it.
p2psip::registrar::RegisterFacts facts_of(const std::string& text) {
  p2psip::sip::sofia::Message msg(
      msg_make(sip_default_mclass(), 0, text.data(), static_cast<ssize_t>(text.size())));
  REQUIRE(msg != nullptr);
  return register_facts(sip_object(msg.get()));
}

std::string head(const std::string& extra) {
  return "REGISTER sip:p2p.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK-1\r\n"
         "From: <sip:alice@p2p.example.com>;tag=1\r\n"
         "To: \"Alice\" <sip:alice@P2P.example.com>\r\n"
         "Call-ID: 1@192.0.2.7\r\nCSeq: 1 REGISTER\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

}  // namespace

TEST_CASE("REGISTER facts: AoR from To, Request-URI, Contacts with expires, Expires, Authorization") {
  auto f = facts_of(head(
      "Contact: <sip:alice@192.0.2.7:5062>;expires=120, <sip:alice@198.51.100.1>\r\n"
      "Expires: 600\r\n"
      "Authorization: Digest username=\"alice\", realm=\"p2p.example.com\", nonce=\"abc\", "
      "uri=\"sip:p2p.example.com\", response=\"0123\", algorithm=MD5, qop=auth, nc=00000001, "
      "cnonce=\"c\"\r\n"));
  CHECK(f.aor == "alice@P2P.example.com");  // the registrar lowercases the domain
  CHECK(f.request_uri == "sip:p2p.example.com");
  REQUIRE(f.contacts.size() == 2);
  CHECK(f.contacts[0].uri == "sip:alice@192.0.2.7:5062");
  CHECK(f.contacts[0].expires == std::optional<std::uint32_t>{120});
  CHECK(f.contacts[1].uri == "sip:alice@198.51.100.1");
  CHECK_FALSE(f.contacts[1].expires);
  CHECK(f.expires == std::optional<std::uint32_t>{600});
  REQUIRE(f.authorizations.size() == 1);
  CHECK(f.authorizations[0].rfind("Digest ", 0) == 0);
  CHECK(f.authorizations[0].find("username=\"alice\"") != std::string::npos);
  auto creds = p2psip::registrar::parse_authorization(f.authorizations[0]);
  REQUIRE_MESSAGE(creds.has_value(), f.authorizations[0]);
  CHECK_MESSAGE(creds->qop == "auth", f.authorizations[0]);
  CHECK(creds->nc == "00000001");
  CHECK_MESSAGE(creds->cnonce == "c", f.authorizations[0]);
  CHECK_FALSE(f.wildcard);
}

TEST_CASE("REGISTER facts: wildcard, no Contact, odd expires values") {
  auto star = facts_of(head("Contact: *\r\nExpires: 0\r\n"));
  CHECK(star.wildcard);
  CHECK(star.contacts.empty());
  CHECK(star.expires == std::optional<std::uint32_t>{0});
  auto query = facts_of(head(""));
  CHECK(query.contacts.empty());
  CHECK_FALSE(query.expires);
  CHECK(query.authorizations.empty());
  auto odd = facts_of(head("Contact: <sip:a@192.0.2.1>;expires=soon\r\n"));
  REQUIRE(odd.contacts.size() == 1);
  CHECK_FALSE(odd.contacts[0].expires);
  auto huge = facts_of(head("Contact: <sip:a@192.0.2.1>;expires=99999999999999999999\r\n"));
  CHECK(huge.contacts[0].expires == std::optional<std::uint32_t>{4294967295u});
}
