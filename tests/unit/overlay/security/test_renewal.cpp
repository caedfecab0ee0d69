// check_renewal: a running node's renewed certificate keeps its Node-IDs and user (RFC 6940
// §11.3), chains to the overlay root and is valid now.
#include <doctest/doctest.h>

#include "overlay/security/renewal.h"
#include "test_support.h"

using namespace p2psip::security;
using namespace p2psip::security::test;

namespace {

Certificate issue(const CertificateAuthority& ca, const std::string& user, std::vector<NodeId> ids,
                  SysSeconds at = kNow, int days = 30) {
  auto issued = ca.issue({user, std::move(ids), KeyType::ec_p256, days}, at);
  REQUIRE(issued);
  return issued->certificate;
}

std::string refusal(const Certificate& running, const Certificate& renewed,
                    SysSeconds now = kNow) {
  std::vector<RootCertificate> roots{ec_ca().root()};
  auto r = check_renewal(running, renewed, roots, now);
  return r ? std::string() : r.error();
}

}  // namespace

TEST_CASE("check_renewal: the same Node-IDs (any order) and user, chained and valid, pass") {
  auto running = issue(ec_ca(), kUser, {node_id(1), node_id(2)});
  auto later = kNow + std::chrono::days(20);  // renewed with a third of the lifetime left
  CHECK(refusal(running, issue(ec_ca(), kUser, {node_id(2), node_id(1)}, later), later).empty());
}

TEST_CASE("check_renewal: another Node-ID, user, root or an expired certificate is refused") {
  auto running = issue(ec_ca(), kUser, {node_id(1), node_id(2)});
  CHECK(refusal(running, issue(ec_ca(), kUser, {node_id(1)})).find("Node-ID") != std::string::npos);
  CHECK(refusal(running, issue(ec_ca(), kUser, {node_id(1), node_id(3)})).find("§11.3") !=
        std::string::npos);
  CHECK(refusal(running, issue(ec_ca(), "bob@p2p.example.com", {node_id(1), node_id(2)}))
            .find("user 'bob@p2p.example.com'") != std::string::npos);
  CHECK(refusal(running, issue(other_ca(), kUser, {node_id(1), node_id(2)})).find("root") !=
        std::string::npos);
  auto short_lived = issue(ec_ca(), kUser, {node_id(1), node_id(2)}, kNow, 1);
  CHECK(refusal(running, short_lived, kNow + std::chrono::hours(12)).empty());
  CHECK_FALSE(refusal(running, short_lived, kNow + std::chrono::days(2)).empty());  // expired
}
