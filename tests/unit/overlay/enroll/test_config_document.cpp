#include "overlay/enroll/config_document.h"

#include <doctest/doctest.h>

#include "overlay/enroll/xml_signature.h"
#include "test_support.h"

namespace p2psip::enroll {

namespace sec = p2psip::security;
using test::test_ca;
using test::test_now;
using test::test_signer;

namespace {

struct Fixture {
  sec::CertificateAuthority ca = test_ca();
  sec::IssuedCredentials signer = test_signer(ca);
  ConfigDocumentParams params() const {
    ConfigDocumentParams p;
    p.instance_name = "p2p.test";
    p.sequence = 7;
    p.expiration = test_now() + std::chrono::days(10);  // inside the certificates' 30 days
    p.root_certs.emplace_back(ca.root().der().begin(), ca.root().der().end());
    p.enrollment_servers = {"https://127.0.0.1:8443/enroll"};
    p.bootstrap_nodes = {{"127.0.0.1", 6084}, {"2001:db8::1", 7000}};
    p.bad_nodes = {sec::parse_node_id_hex("00112233445566778899aabbccddeeff").value()};
    return p;
  }
  std::string document() const { return build_config_document(params(), signer.certificate, signer.key).value(); }
};

std::string replaced(std::string s, std::string_view from, std::string_view to) {
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("config document: build then parse gives back every parameter") {
  Fixture f;
  auto parsed = parse_config_document(f.document());
  REQUIRE(parsed);
  CHECK(parsed->instance_name == "p2p.test");
  CHECK(parsed->sequence == 7u);
  CHECK(parsed->expiration == rfc3339(f.params().expiration));
  CHECK(parsed->topology_plugin == "CHORD-RELOAD");
  CHECK(parsed->root_certs == f.params().root_certs);
  CHECK(parsed->enrollment_servers == std::vector<std::string>{"https://127.0.0.1:8443/enroll"});
  CHECK(parsed->bootstrap_nodes == f.params().bootstrap_nodes);
  CHECK(parsed->no_ice);
  CHECK(parsed->max_message_size == 5000);
  CHECK(parsed->initial_ttl == 100);
  CHECK(parsed->overlay_reliability_timer == 3000);
  CHECK(parsed->bad_nodes == std::vector<std::string>{"00112233445566778899aabbccddeeff"});
  std::string signer_hex = sec::node_id_hex(f.signer.certificate.node_ids().front());
  CHECK(parsed->configuration_signers == std::vector<std::string>{signer_hex});
  CHECK(parsed->kind_signers == std::vector<std::string>{signer_hex});
  REQUIRE(parsed->kinds.size() == 3);
  CHECK(parsed->kinds[0].name == "SIP-REGISTRATION");
  CHECK(parsed->kinds[0].data_model == "DICTIONARY");
  CHECK(parsed->kinds[0].access_control == "USER-NODE-MATCH");
  CHECK(parsed->kinds[1].name == "CERTIFICATE_BY_NODE");
  CHECK(parsed->kinds[2].access_control == "USER-MATCH");
  CHECK(!parsed->signature.empty());
  CHECK(parsed->configuration_bytes.starts_with("<configuration "));
  CHECK(parsed->configuration_bytes.ends_with("</configuration>"));
}

TEST_CASE("config document: the signatures verify, and any change to the signed bytes breaks them") {
  Fixture f;
  std::string doc = f.document();
  auto parsed = parse_config_document(doc);
  REQUIRE(parsed);
  CHECK(verify_config_document(*parsed, test_now()));
  // §11.1: the configuration is a binary blob; a single changed byte (even whitespace) breaks it.
  auto touched = parse_config_document(replaced(doc, "<initial-ttl>100", "<initial-ttl> 100"));
  REQUIRE(touched);
  CHECK_FALSE(verify_config_document(*touched, test_now()));
  auto kind = parse_config_document(replaced(doc, "<max-count>16</max-count>", "<max-count>17</max-count>"));
  REQUIRE(kind);
  CHECK_FALSE(verify_config_document(*kind, test_now()));
  auto unsigned_doc = *parsed;
  unsigned_doc.signature.clear();
  CHECK_FALSE(verify_config_document(unsigned_doc, test_now()));
}

TEST_CASE("config document: a signer that is not a configuration-signer, or of another CA, is refused") {
  Fixture f;
  auto parsed = parse_config_document(f.document());
  REQUIRE(parsed);
  auto other_signer = *parsed;
  other_signer.configuration_signers = {"ffeeddccbbaa99887766554433221100"};
  CHECK_FALSE(verify_config_document(other_signer, test_now()));
  auto other_root = *parsed;
  sec::CertificateAuthority stranger = test_ca();
  other_root.root_certs = {Bytes(stranger.root().der().begin(), stranger.root().der().end())};
  CHECK_FALSE(verify_config_document(other_root, test_now()));
}

TEST_CASE("config document: hostile input is refused, not expanded") {
  CHECK_FALSE(parse_config_document("<overlay"));
  CHECK_FALSE(parse_config_document(
      "<!DOCTYPE overlay [<!ENTITY a \"aaaa\">]><overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-base\"/>"));
  CHECK_FALSE(parse_config_document("<overlay xmlns=\"urn:other\"><configuration instance-name=\"x\"/></overlay>"));
  CHECK_FALSE(parse_config_document(std::string(kMaxConfigDocument + 1, ' ')));
  std::string no_conf = "<overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-base\"></overlay>";
  CHECK_FALSE(parse_config_document(no_conf));
  std::string bad_seq = "<overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-base\">"
                        "<configuration instance-name=\"x\" sequence=\"65535\"></configuration></overlay>";
  CHECK_FALSE(parse_config_document(bad_seq));
}

TEST_CASE("base64: round trip, whitespace ignored, junk refused") {
  Bytes data = to_bytes("any carnal pleas");
  for (std::size_t n = 0; n <= data.size(); ++n) {
    Bytes part(data.begin(), data.begin() + static_cast<long>(n));
    auto back = base64_decode(base64_encode(part));
    REQUIRE(back);
    CHECK(*back == part);
  }
  CHECK(base64_decode(" YW55\n IGNh ").value() == to_bytes("any ca"));
  CHECK_FALSE(base64_decode("YW5"));
  CHECK_FALSE(base64_decode("YW5*"));
  CHECK_FALSE(base64_decode("Y=55"));
}

TEST_CASE("rfc3339 writes UTC with a Z and reads it back") {
  CHECK(rfc3339(sec::SysSeconds{std::chrono::seconds{0}}) == "1970-01-01T00:00:00Z");
  CHECK(rfc3339(sec::SysSeconds{std::chrono::seconds{1034233200}}) == "2002-10-10T07:00:00Z");
  CHECK(parse_rfc3339_utc("2002-10-10T07:00:00Z") == sec::SysSeconds{std::chrono::seconds{1034233200}});
  CHECK_FALSE(parse_rfc3339_utc("2002-10-10T07:00:00+02:00"));
  CHECK_FALSE(parse_rfc3339_utc("yesterday"));
}

TEST_CASE("config document: an expired configuration is refused") {
  Fixture f;
  auto parsed = parse_config_document(f.document());
  REQUIRE(parsed);
  auto expires = parse_rfc3339_utc(parsed->expiration);
  REQUIRE(expires);
  CHECK(verify_config_document(*parsed, *expires - std::chrono::seconds{1}));
  auto late = verify_config_document(*parsed, *expires);
  REQUIRE_FALSE(late);
  CHECK(late.error().find("expired") != std::string::npos);
}

}  // namespace p2psip::enroll
