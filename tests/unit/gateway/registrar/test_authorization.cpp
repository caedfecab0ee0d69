#include <doctest/doctest.h>

#include <string>

#include "gateway/registrar/authorization.h"

using namespace p2psip::registrar;

TEST_CASE("parses the RFC 7616 §3.9.1 Authorization header") {
  auto c = parse_authorization(
      "Digest username=\"Mufasa\",\r\n realm=\"http-auth@example.org\",\r\n"
      "  uri=\"/dir/index.html\", algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
      " nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth,"
      " response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\","
      " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  CHECK(c->username == "Mufasa");
  CHECK(c->realm == "http-auth@example.org");
  CHECK(c->uri == "/dir/index.html");
  CHECK(c->algorithm == "SHA-256");
  CHECK(c->nonce == "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
  CHECK(c->nc == "00000001");
  CHECK(c->qop == "auth");
  CHECK(c->response.size() == 64);
  CHECK(c->opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  CHECK_FALSE(c->userhash);
}

TEST_CASE("scheme and names are case-insensitive, escapes are undone, unknown params ignored") {
  auto c = parse_authorization(
      "dIgEsT USERNAME=\"a\\\"b\\\\c\" , Realm = \"r\",,nonce=\"n\", uri=\"sip:x\","
      "response=\"00\", future-param=token, userhash=TRUE,");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  CHECK(c->username == "a\"b\\c");
  CHECK(c->realm == "r");
  CHECK(c->algorithm.empty());
  CHECK(c->userhash);
}

TEST_CASE("hostile or malformed values are errors, never crashes") {
  for (const char* bad : {
           "", "Digest", "Digest ", "Basic dXNlcjpwYXNz", "Digestusername=\"a\"",
           "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\"",            // no response
           "Digest username=\"a\", username=\"b\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
           "Digest username=\"unterminated",
           "Digest username=\"a\\",
           "Digest username=",
           "Digest username",
           "Digest =\"a\"",
           "Digest username=\"a\" realm=\"r\"",                                      // no comma
           "Digest username=\"a\x01\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
           "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\", ;",
       }) {
    CAPTURE(bad);
    auto c = parse_authorization(bad);
    CHECK_FALSE(c.has_value());
    if (!c) CHECK_FALSE(c.error().empty());
  }
}

TEST_CASE("size limits") {
  std::string many = "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"";
  for (int i = 0; i < 40; ++i) many += ", p" + std::to_string(i) + "=v";
  CHECK_FALSE(parse_authorization(many).has_value());
  std::string huge = "Digest username=\"" + std::string(kMaxHeader, 'a') + "\"";
  CHECK_FALSE(parse_authorization(huge).has_value());
}

TEST_CASE("quote escapes quotes and backslashes") {
  CHECK(quote("p2p.example.com") == "\"p2p.example.com\"");
  CHECK(quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  auto round = parse_authorization("Digest username=" + quote("x\"\\y") +
                                   ", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"0\"");
  REQUIRE(round.has_value());
  CHECK(round->username == "x\"\\y");
}
