// ConfigUpdate of type kind (RFC 6940 §6.5.4, kind_update.h): a kind-block is taken only when a
// kind-signer of the current document signed it, a conflicting signer or a data-model change is
// refused, and the definition it gives the store.
#include "overlay/enroll/kind_update.h"

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
  ParsedConfig document(const sec::IssuedCredentials& by) const {
    ConfigDocumentParams p;
    p.instance_name = "p2p.test";
    p.expiration = test_now() + std::chrono::days(10);
    p.root_certs.emplace_back(ca.root().der().begin(), ca.root().der().end());
    return parse_config_document(build_config_document(p, by.certificate, by.key).value()).value();
  }
  ParsedConfig current = document(signer);
  // SIP-REGISTRATION with another max-count, signed by `by`.
  std::string sip_update(const sec::IssuedCredentials& by, const std::string& max_count) const {
    KindBlock k = current.kinds.front();
    std::string from = "<max-count>16</max-count>";
    auto at = k.kind_bytes.find(from);
    REQUIRE(at != std::string::npos);
    k.kind_bytes.replace(at, from.size(), "<max-count>" + max_count + "</max-count>");
    k.signature = sign_blob(k.kind_bytes, by.certificate, by.key).value();
    return kind_description(k);
  }
};

}  // namespace

TEST_CASE("kind update: a kind-block signed by a kind-signer verifies and gives its definition") {
  Fixture f;
  auto v = verify_kind_description(f.sip_update(f.signer, "32"), f.current, test_now());
  REQUIRE(v);
  CHECK(kind_key(v->block) == "SIP-REGISTRATION");
  CHECK(v->signer == sec::node_id_hex(f.signer.certificate.node_ids().front()));
  auto def = to_kind_def(v->block);
  REQUIRE(def);
  CHECK(def->id == 1);
  CHECK(def->model == storage::DataModel::kDictionary);
  CHECK(def->policy == storage::AccessPolicy::kUserNodeMatch);
  CHECK(def->max_count == 32);
  CHECK(def->max_size == storage::kDefaultSipMaxSize);
  // The document's own kind-blocks, as a ConfigUpdate of type kind would carry them.
  for (const KindBlock& k : f.current.kinds) CHECK(verify_kind_description(kind_description(k), f.current, test_now()));
}

TEST_CASE("kind update: refused when not signed by a kind-signer of the current document, or altered") {
  Fixture f;
  sec::IssuedCredentials other = test_signer(f.ca, "node@p2p.test");  // same CA, not a kind-signer
  auto foreign = verify_kind_description(f.sip_update(other, "32"), f.current, test_now());
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().find("kind-signer") != std::string::npos);
  std::string altered = f.sip_update(f.signer, "32");
  altered.replace(altered.find("<max-count>32"), 13, "<max-count>99");
  CHECK_FALSE(verify_kind_description(altered, f.current, test_now()));
  CHECK_FALSE(verify_kind_description("<kind-block>", f.current, test_now()));
  CHECK_FALSE(verify_kind_description(kind_description(f.current.kinds[0]) + kind_description(f.current.kinds[1]),
                                      f.current, test_now()));
  CHECK_FALSE(verify_kind_description("</required-kinds></configuration><configuration instance-name=\"x\">",
                                      f.current, test_now()));
}

TEST_CASE("kind update: another signer or another data model conflicts with the known kind") {
  Fixture f;
  auto known = verify_kind_description(kind_description(f.current.kinds[0]), f.current, test_now()).value();
  auto update = verify_kind_description(f.sip_update(f.signer, "32"), f.current, test_now()).value();
  CHECK_FALSE(kind_conflict(known, update).has_value());
  VerifiedKind other_signer = update;
  other_signer.signer = "00112233445566778899aabbccddeeff";
  CHECK(kind_conflict(known, other_signer).has_value());
  VerifiedKind other_model = update;
  other_model.block.data_model = "ARRAY";
  CHECK(kind_conflict(known, other_model).has_value());
}

TEST_CASE("kind update: definitions the store cannot take are refused") {
  KindBlock k{"", 4242, "SINGLE", "USER-MATCH", 1, 100, "", ""};
  auto def = to_kind_def(k);
  REQUIRE(def);
  CHECK(def->id == 4242);
  CHECK(def->model == storage::DataModel::kSingle);
  KindBlock unknown_name = k;
  unknown_name.name = "TURN-SERVICE";
  CHECK_FALSE(to_kind_def(unknown_name));
  KindBlock multiple = k;
  multiple.access_control = "NODE-MULTIPLE";
  CHECK_FALSE(to_kind_def(multiple));
  KindBlock zero = k;
  zero.max_size = 0;
  CHECK_FALSE(to_kind_def(zero));
}

TEST_CASE("kind update: the registry takes new kinds and new limits, not a new model or policy") {
  storage::KindRegistry r;
  REQUIRE(r.add(storage::sip_registration_kind()));
  CHECK(r.update(storage::sip_registration_kind(32, 8192)));
  CHECK(r.find(1)->max_count == 32);
  CHECK(r.find(1)->max_size == 8192);
  storage::KindDef array = storage::sip_registration_kind();
  array.model = storage::DataModel::kArray;
  array.policy = storage::AccessPolicy::kUserMatch;
  CHECK_FALSE(r.update(array));
  CHECK(r.find(1)->model == storage::DataModel::kDictionary);
  CHECK(r.update(storage::KindDef{4242, storage::DataModel::kSingle, storage::AccessPolicy::kUserMatch, 1, 100, 0}));
  CHECK(r.find(4242) != nullptr);
}

}  // namespace p2psip::enroll
