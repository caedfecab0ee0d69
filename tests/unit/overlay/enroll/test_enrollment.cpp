#include "overlay/enroll/enrollment.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "test_support.h"

namespace p2psip::enroll {

namespace sec = p2psip::security;

namespace {

struct Fixture {
  sec::CertificateAuthority ca = test::test_ca();
  Users users{{"alice", "correct horse"}, {"bob", "s3cret"}};
  sec::PrivateKey key = sec::PrivateKey::generate(sec::KeyType::ec_p256).value();
  EnrollPolicy policy{"p2p.test", 30, 0, {}};
  int drawn = 0;
  NodeIdSource source = [this]() -> Expected<sec::NodeId, std::string> {
    ++drawn;
    return sec::random_node_id();
  };
  EnrollRequest request(std::string user = "alice", std::string password = "correct horse") const {
    return {std::move(user), std::move(password), std::nullopt, test::make_csr(key), "application/pkcs10", ""};
  }
  Expected<Granted, Refusal> decide(const EnrollRequest& r, const std::vector<sec::NodeId>& remembered = {}) {
    return decide_enrollment(r, users, remembered, source, ca, policy, test::test_now());
  }
};

}  // namespace

TEST_CASE("enrollment: right credentials and a good CSR give a §11.3 certificate for the CSR's key") {
  Fixture f;
  auto g = f.decide(f.request());
  REQUIRE(g);
  auto cert = sec::Certificate::from_der(g->certificate_der, "p2p.test");
  REQUIRE(cert);
  CHECK(cert->user() == "alice@p2p.test");
  CHECK(g->user == "alice@p2p.test");
  CHECK(cert->node_ids() == g->node_ids);
  CHECK(g->node_ids.size() == 1);
  CHECK(g->remembered == g->node_ids);
  CHECK(EVP_PKEY_eq(cert->public_key(), f.key.get()) == 1);
  CHECK(cert->verify_chain(f.ca.root(), test::test_now()));
}

TEST_CASE("enrollment: the same user gets the remembered Node-IDs back; more are drawn only when asked") {
  Fixture f;
  std::vector<sec::NodeId> remembered{sec::random_node_id().value()};
  auto again = f.decide(f.request(), remembered);
  REQUIRE(again);
  CHECK(again->node_ids == remembered);
  CHECK(f.drawn == 0);
  auto r = f.request();
  r.nodeids = "3";
  auto more = f.decide(r, remembered);
  REQUIRE(more);
  CHECK(more->node_ids.size() == 3);
  CHECK(more->node_ids.front() == remembered.front());
  CHECK(more->remembered == more->node_ids);
  CHECK(f.drawn == 2);
}

TEST_CASE("enrollment: a remembered Node-ID listed as bad-node is replaced, the others kept") {
  Fixture f;
  sec::NodeId bad = sec::random_node_id().value(), good = sec::random_node_id().value();
  f.policy.bad_nodes = {bad};
  auto r = f.request();
  r.nodeids = "2";
  auto g = f.decide(r, {bad, good});
  REQUIRE(g);
  CHECK(g->node_ids.size() == 2);
  CHECK(g->node_ids.front() == good);
  CHECK(g->node_ids.back() != bad);
  CHECK(std::find(g->remembered.begin(), g->remembered.end(), bad) == g->remembered.end());
  CHECK(f.drawn == 1);
}

TEST_CASE("enrollment: wrong password or unknown user is failed_authentication, before anything else") {
  Fixture f;
  auto wrong = f.request("alice", "correct horsE");
  CHECK(f.decide(wrong).error() == Refusal::failed_authentication);
  auto prefix = f.request("alice", "correct");
  CHECK(f.decide(prefix).error() == Refusal::failed_authentication);
  auto unknown = f.request("mallory", "x");
  unknown.csr = "junk";
  CHECK(f.decide(unknown).error() == Refusal::failed_authentication);
  CHECK(f.drawn == 0);  // no Node-ID is drawn for an unauthenticated client
  CHECK(refusal_token(Refusal::failed_authentication) == "failed_authentication");
}

TEST_CASE("enrollment: a bad Node-ID count is Node-IDs_not_available") {
  Fixture f;
  for (const char* n : {"0", "17", "-1", "two", "", "1 "}) {
    auto r = f.request();
    r.nodeids = n;
    CHECK_MESSAGE(f.decide(r).error() == Refusal::node_ids_not_available, n);
  }
  CHECK(refusal_token(Refusal::node_ids_not_available) == "Node-IDs_not_available");
}

TEST_CASE("enrollment: malformed CSRs are bad_CSR") {
  Fixture f;
  auto junk = f.request();
  junk.csr = "\x30\x82\x01\x00 not a CSR";
  CHECK(f.decide(junk).error() == Refusal::bad_csr);
  auto empty = f.request();
  empty.csr.clear();
  CHECK(f.decide(empty).error() == Refusal::bad_csr);
  auto trailing = f.request();
  trailing.csr += "x";
  CHECK(f.decide(trailing).error() == Refusal::bad_csr);
  auto tampered = f.request();
  tampered.csr[tampered.csr.size() / 2] ^= 0x01;  // breaks the self-signature (or the DER)
  CHECK(f.decide(tampered).error() == Refusal::bad_csr);
  auto forged = f.request();
  forged.csr.back() = static_cast<char>(forged.csr.back() ^ 0x01);  // well-formed, wrong signature
  CHECK(f.decide(forged).error() == Refusal::bad_csr);
  auto type = f.request();
  type.csr_content_type = "text/plain";
  CHECK(f.decide(type).error() == Refusal::bad_csr);
  auto untyped = f.request();
  untyped.csr_content_type.clear();
  CHECK(f.decide(untyped));
  CHECK(refusal_token(Refusal::bad_csr) == "bad_CSR");
}

TEST_CASE("enrollment: a CSR asking for another user's name is username_not_available") {
  Fixture f;
  auto r = f.request();
  r.csr = test::make_csr(f.key, "bob@p2p.test");
  CHECK(f.decide(r).error() == Refusal::username_not_available);
  r.csr = test::make_csr(f.key, "alice@p2p.test");
  CHECK(f.decide(r));
}

TEST_CASE("enrollment: a gateway's node_certificate lends its Node-IDs to a phone user's certificate for its key") {
  Fixture f;
  auto gateway = test::test_signer(f.ca, "gateway@p2p.test");
  std::string gateway_pem = to_string(gateway.certificate.to_pem().value());
  auto r = f.request();
  r.csr = test::make_csr(gateway.key);
  r.node_certificate = gateway_pem;
  std::vector<sec::NodeId> remembered{sec::random_node_id().value()};
  auto g = f.decide(r, remembered);
  REQUIRE(g);
  auto cert = sec::Certificate::from_der(g->certificate_der, "p2p.test");
  REQUIRE(cert);
  CHECK(cert->user() == "alice@p2p.test");
  CHECK(cert->node_ids() == gateway.certificate.node_ids());
  CHECK(g->remembered == remembered);  // alice's own Node-IDs are neither used nor changed
  CHECK(f.drawn == 0);

  SUBCASE("the CSR's key is not the node certificate's key: Node-IDs_not_available") {
    r.csr = test::make_csr(f.key);
    CHECK(f.decide(r).error() == Refusal::node_ids_not_available);
  }
  SUBCASE("a node certificate of another CA: Node-IDs_not_available") {
    auto other = test::test_signer(test::test_ca(), "gateway@p2p.test");
    r.csr = test::make_csr(other.key);
    r.node_certificate = to_string(other.certificate.to_pem().value());
    CHECK(f.decide(r).error() == Refusal::node_ids_not_available);
  }
  SUBCASE("a node certificate whose Node-ID is a bad-node: Node-IDs_not_available") {
    f.policy.bad_nodes = gateway.certificate.node_ids();
    CHECK(f.decide(r).error() == Refusal::node_ids_not_available);
  }
  SUBCASE("the password is still checked first") {
    r.password = "wrong";
    CHECK(f.decide(r).error() == Refusal::failed_authentication);
  }
}

}  // namespace p2psip::enroll
