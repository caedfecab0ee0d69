// VerifiedCertificateCache through CertificateVerifier::from_block: a certificate is parsed and
// chain-checked once, then reused for max_age; failures and look-alikes never come from it.
#include <doctest/doctest.h>

#include "overlay/storage/cert_cache.h"
#include "storage_fixture.h"

namespace p2psip::storage {
namespace {

using test::alice;
using test::bob;
const security::SysSeconds kAt{std::chrono::seconds{1'700'000'000}};

wire::GenericCertificate generic(const security::Certificate& c) {
  return {wire::CertificateType::kX509, Bytes(c.der().begin(), c.der().end())};
}

CertificateVerifier from(std::vector<wire::GenericCertificate> certs, security::SysSeconds now,
                         VerifiedCertificateCache& cache,
                         std::vector<security::RootCertificate> roots = {test::overlay_root()}) {
  return CertificateVerifier::from_block(certs, roots, now, "p2p.example.com", &cache);
}

TEST_CASE("a verified certificate is reused until max_age, then checked again") {
  VerifiedCertificateCache cache(16, std::chrono::seconds{60});
  CHECK(from({generic(alice().cert)}, kAt, cache).size() == 1);
  CHECK(cache.size() == 1);
  CHECK(cache.hits() == 0);
  auto again = from({generic(alice().cert)}, kAt + std::chrono::seconds{59}, cache);
  CHECK(cache.hits() == 1);
  // The cached certificate still verifies alice's signatures.
  auto sig = const_cast<CertificateSigner&>(alice().signer).sign(ByteView{});
  auto who = again.verify(sig, ByteView{});
  REQUIRE(who);
  CHECK(who->user == alice().user);
  from({generic(alice().cert)}, kAt + std::chrono::seconds{60}, cache);
  CHECK(cache.hits() == 1);  // too old: parsed and verified again
  CHECK(cache.size() == 1);
  from({generic(alice().cert)}, kAt, cache);  // the clock went back: checked again
  CHECK(cache.hits() == 1);
}

TEST_CASE("failures are not remembered and only the exact DER hits") {
  VerifiedCertificateCache cache;
  CHECK(from({generic(alice().cert)}, kAt, cache, {}).size() == 0);  // no root: refused
  CHECK(cache.size() == 0);
  CHECK(from({generic(alice().cert)}, kAt, cache).size() == 1);
  auto tampered = generic(alice().cert);
  tampered.certificate.back() ^= std::byte{1};  // inside the CA's signature
  CHECK(from({tampered}, kAt, cache).size() == 0);
  CHECK(cache.hits() == 0);
}

TEST_CASE("the cache is bounded") {
  VerifiedCertificateCache cache(1);
  CHECK(from({generic(alice().cert), generic(bob().cert)}, kAt, cache).size() == 2);
  CHECK(cache.size() == 1);
}

// RFC 6940 §11.1 bad-node: a listed certificate is refused on every use, cached or not, and
// counted as a refused data certificate; the others still verify.
TEST_CASE("a certificate a bad-node entry lists is refused, also from the cache") {
  VerifiedCertificateCache cache;
  security::BadNodes bad;
  auto certs = std::vector<wire::GenericCertificate>{generic(alice().cert), generic(bob().cert)};
  std::vector<security::RootCertificate> roots{test::overlay_root()};
  auto with_bad = [&] {
    return CertificateVerifier::from_block(certs, roots, kAt, "p2p.example.com", &cache, nullptr, &bad);
  };
  CHECK(with_bad().size() == 2);  // nothing listed yet (and both now cached)
  bad.replace({alice().cert.node_ids().front()});
  auto v = with_bad();
  CHECK(v.size() == 1);
  CHECK(bad.refused()[static_cast<std::size_t>(security::BadNodes::Refused::kData)] == 1);
  auto sig = const_cast<CertificateSigner&>(alice().signer).sign(ByteView{});
  CHECK_FALSE(v.verify(sig, ByteView{}).has_value());  // alice's data is refused
  auto bob_sig = const_cast<CertificateSigner&>(bob().signer).sign(ByteView{});
  CHECK(v.verify(bob_sig, ByteView{}).has_value());
}

}  // namespace
}  // namespace p2psip::storage
