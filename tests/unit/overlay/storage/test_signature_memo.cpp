// SignatureMemo through MemoizingVerifier: a stored-data signature verified once is not verified
// again while fresh, yet only byte-identical input/signature/signer hits, and only while the
// signer's certificate is trusted by the verifier at hand.
#include <doctest/doctest.h>

#include "overlay/storage/signature_memo.h"
#include "storage_fixture.h"

namespace p2psip::storage {
namespace {

using test::alice;
using test::bob;
const security::SysSeconds kAt{std::chrono::seconds{1'700'000'000}};

// Counts what reaches the real verifier.
class CountingVerifier final : public DataVerifier {
 public:
  CountingVerifier(std::vector<security::Certificate> certs, int& calls)
      : inner_(std::move(certs)), calls_(calls) {}
  std::optional<SignerInfo> verify(const wire::Signature& s, ByteView input) override {
    ++calls_;
    return inner_.verify(s, input);
  }
  std::optional<wire::GenericCertificate> certificate_for(const wire::SignerIdentity& id) const override {
    return inner_.certificate_for(id);
  }

 private:
  CertificateVerifier inner_;
  int& calls_;
};

struct Fixture {
  std::shared_ptr<SignatureMemo> memo = std::make_shared<SignatureMemo>(8, std::chrono::seconds{60});
  int calls = 0;
  MemoizingVerifier with(std::vector<security::Certificate> certs, security::SysSeconds now = kAt) {
    return MemoizingVerifier(std::make_unique<CountingVerifier>(std::move(certs), calls), memo, now);
  }
};

Bytes text(std::string_view s) {
  Bytes b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}

wire::Signature sign_as(const test::Party& p, const Bytes& input) {
  return const_cast<CertificateSigner&>(p.signer).sign(input);
}

TEST_CASE("a verified signature is remembered, a fresh verifier reuses it") {
  Fixture f;
  Bytes input = text("sip:alice@192.0.2.1");
  auto sig = sign_as(alice(), input);
  auto first = f.with({alice().cert}).verify(sig, input);
  REQUIRE(first);
  CHECK(first->user == alice().user);
  auto second = f.with({alice().cert}, kAt + std::chrono::seconds{30}).verify(sig, input);
  REQUIRE(second);
  CHECK(*second == *first);
  CHECK(f.calls == 1);
  CHECK(f.memo->hits() == 1);
  f.with({alice().cert}, kAt + std::chrono::seconds{90}).verify(sig, input);  // too old
  CHECK(f.calls == 2);
}

TEST_CASE("only the identical input, signature and a trusted signer hit") {
  Fixture f;
  Bytes input = text("sip:alice@192.0.2.1");
  auto sig = sign_as(alice(), input);
  REQUIRE(f.with({alice().cert}).verify(sig, input));
  Bytes other = text("sip:alice@192.0.2.2");
  CHECK_FALSE(f.with({alice().cert}).verify(sig, other));  // verified (and refused), not hit
  auto tampered = sig;
  tampered.value.back() ^= std::byte{1};
  CHECK_FALSE(f.with({alice().cert}).verify(tampered, input));
  CHECK(f.calls == 3);
  // The signer's certificate is not in this verifier's set: refused without consulting the memo.
  CHECK_FALSE(f.with({bob().cert}).verify(sig, input));
  CHECK(f.memo->hits() == 0);
  // Failures were not remembered: the tampered signature is checked (and refused) again.
  CHECK_FALSE(f.with({alice().cert}).verify(tampered, input));
  CHECK(f.calls == 4);
}

}  // namespace
}  // namespace p2psip::storage
