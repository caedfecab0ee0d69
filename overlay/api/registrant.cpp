// Registrant::load (a certificate and key for an AoR, stored by another node's Node-ID:
// static registrations and phones behind a gateway) and normalize_aor.
#include "overlay/api/convert.h"
#include "overlay/api/credentials.h"
#include "overlay/security/identity.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/usage/sip_usage.h"

namespace p2psip::overlay {

namespace {

namespace sec = p2psip::security;

// The AoR a certificate's user name stands for ("" when it is not one).
std::string user_aor(const sec::Certificate& cert) {
  auto aor = usage::normalize_aor(cert.user());
  return aor ? *aor : std::string();
}

}  // namespace

Expected<std::string, std::string> normalize_aor(std::string_view aor) {
  return usage::normalize_aor(aor);
}

Expected<Registrant, std::string> Registrant::load(const std::string& cert_path,
                                                   const std::string& key_path,
                                                   const std::string& aor,
                                                   const std::string& overlay,
                                                   const std::string& node_id) {
  auto cert = sec::Certificate::load(cert_path, overlay);
  if (!cert) return unexpected("cert '" + cert_path + "': " + cert.error());
  auto key = sec::PrivateKey::load(key_path);
  if (!key) return unexpected("key '" + key_path + "': " + key.error());
  if (user_aor(*cert) != aor) {
    return unexpected("cert '" + cert_path + "' is for user '" + cert->user() + "', not this AoR");
  }
  auto node = sec::parse_node_id_hex(node_id);
  if (!node || !cert->has_node_id(*node)) {
    return unexpected("cert '" + cert_path + "' does not hold the gateway's Node-ID (issue it with "
                      "p2psip ca issue --user " + aor + " --node-id <the gateway's Node-ID>)");
  }
  if (!key_matches(*cert, *key)) {
    return unexpected("key '" + key_path + "' is not the key of '" + cert_path + "'");
  }
  usage::Registrant who;
  who.node = wire::NodeId(*node);
  who.certificates.push_back(wire::GenericCertificate{
      wire::CertificateType::kX509, Bytes(cert->der().begin(), cert->der().end())});
  who.signer =
      std::make_shared<storage::CertificateSigner>(std::move(*cert), std::move(*key), *node);
  return wrap(std::move(who));
}

}  // namespace p2psip::overlay
