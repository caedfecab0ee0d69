// Hostile bytes into the certificate parsers (DER and PEM, peer and root) and the reload URI
// parser. Whatever parses must satisfy the RFC 6940 §11.3 invariants and survive a PEM round
// trip; chain verification against a fixed root and signature verification must not crash.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "overlay/security/ca.h"
#include "overlay/security/certificate.h"
#include "overlay/security/signature.h"

namespace sec = p2psip::security;

namespace {

const sec::CertificateAuthority& fixed_ca() {
  static const sec::CertificateAuthority ca = [] {
    auto made = sec::CertificateAuthority::create(
        "p2p.example.com", sec::KeyType::ec_p256, 3650,
        sec::SysSeconds{std::chrono::seconds{1'700'000'000}});
    if (!made) __builtin_trap();
    return std::move(made).value();
  }();
  return ca;
}

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check_parsed(const sec::Certificate& cert) {
  require(!cert.node_ids().empty() && cert.node_ids().size() <= sec::kMaxNodeIdsPerCertificate);
  require(sec::is_valid_user_name(cert.user()));
  require(sec::is_valid_overlay_name(cert.overlay()));
  auto pem = cert.to_pem();
  require(pem.has_value());
  auto again = sec::Certificate::from_pem(*pem, cert.overlay());
  require(again.has_value() && again->node_ids() == cert.node_ids() && again->user() == cert.user());
  (void)cert.verify_chain(fixed_ca().root(), sec::SysSeconds{std::chrono::seconds{1'700'000'000}});
  auto hash = sec::cert_hash_node_id(sec::HashAlgorithm::sha256, cert.node_ids()[0], cert.der());
  require(hash.has_value() && hash->size() == 32);
  const std::byte sig[8] = {};
  (void)sec::verify(cert, sec::default_algorithm(cert.key_type()), cert.der(), sig);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  p2psip::ByteView bytes(reinterpret_cast<const std::byte*>(data), size);
  if (auto cert = sec::Certificate::from_der(bytes)) check_parsed(*cert);
  if (auto cert = sec::Certificate::from_pem(bytes)) check_parsed(*cert);
  (void)sec::Certificate::from_der(bytes, "p2p.example.com");
  if (auto root = sec::RootCertificate::from_der(bytes)) {
    require(root->overlay().empty() || sec::is_valid_overlay_name(root->overlay()));
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto uri = sec::parse_reload_uri(text)) {
    require(sec::parse_reload_uri(sec::reload_uri(uri->node_id, uri->overlay)).has_value());
  }
  return 0;
}
