#include "gateway/runtime/gateway_registrations.h"

#include <set>

#include "gateway/runtime/overlay_usage.h"
#include "overlay/security/signature.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/usage/sip_usage.h"

namespace p2psip::runtime {

namespace {

namespace sec = p2psip::security;

StartError entry_error(std::size_t i, const std::string& aor, const std::string& message) {
  return StartError{2, "config error: static_registrations[" + std::to_string(i) + "] (" + aor +
                           "): " + message};
}

// The AoR a certificate's user name stands for ("" when it is not one).
std::string user_aor(const sec::Certificate& cert) {
  auto aor = usage::normalize_aor(cert.user());
  return aor ? *aor : std::string();
}

bool key_matches(const sec::Certificate& cert, const sec::PrivateKey& key) {
  const Bytes probe{std::byte{'g'}, std::byte{'w'}};
  auto alg = sec::default_algorithm(key.type());
  auto sig = sec::sign(key, alg, probe);
  return sig && sec::verify(cert, alg, probe, *sig).has_value();
}

}  // namespace

Expected<std::vector<KeptRegistration>, StartError> plan_static_registrations(
    const config::GatewayConfig& config, const peer::NodeCredentials& gateway,
    spdlog::logger& log) {
  std::vector<KeptRegistration> out;
  std::set<std::string> planned;
  if (gateway.cert.node_ids().empty()) return out;
  const auto& node = gateway.cert.node_ids().front();
  for (std::size_t i = 0; i < config.static_registrations.size(); ++i) {
    const auto& e = config.static_registrations[i];
    auto aor = usage::normalize_aor(e.aor);
    if (!aor) return unexpected(entry_error(i, e.aor, aor.error()));
    if (planned.count(*aor)) {
      log.warn("static registration {} -> {}: the overlay holds one contact per AoR and gateway; "
               "this one is served from the gateway's static table only", *aor, e.contact);
      continue;
    }
    auto cert = sec::Certificate::load(e.cert, config.overlay);
    if (!cert) return unexpected(entry_error(i, e.aor, "cert '" + e.cert + "': " + cert.error()));
    auto key = sec::PrivateKey::load(e.key);
    if (!key) return unexpected(entry_error(i, e.aor, "key '" + e.key + "': " + key.error()));
    if (user_aor(*cert) != *aor) {
      return unexpected(entry_error(i, e.aor, "cert '" + e.cert + "' is for user '" + cert->user() +
                                                  "', not this AoR"));
    }
    if (!cert->has_node_id(node)) {
      return unexpected(entry_error(
          i, e.aor, "cert '" + e.cert + "' does not hold the gateway's Node-ID (issue it with "
                    "p2psip ca issue --user " + *aor + " --node-id <the gateway's Node-ID>)"));
    }
    if (!key_matches(*cert, *key)) {
      return unexpected(entry_error(i, e.aor, "key '" + e.key + "' is not the key of '" + e.cert + "'"));
    }
    usage::Registrant who;
    who.node = wire::NodeId(node);
    who.certificates.push_back(wire::GenericCertificate{
        wire::CertificateType::kX509, Bytes(cert->der().begin(), cert->der().end())});
    who.signer = std::make_shared<storage::CertificateSigner>(std::move(*cert), std::move(*key));
    out.push_back({*aor, wire::SipRegistration::make_uri(e.contact), std::move(who)});
    planned.insert(*aor);
  }
  return out;
}

std::vector<KeptRegistration> plan_service_registration(const config::GatewayConfig& config,
                                                        const peer::NodeCredentials& gateway,
                                                        spdlog::logger& log) {
  auto aor = usage::normalize_aor(config.service_aor);
  if (!aor) {
    log.warn("service AoR '{}' is unusable ({}): not registered", config.service_aor, aor.error());
    return {};
  }
  if (user_aor(gateway.cert) != *aor) {
    log.warn("the gateway's certificate is for '{}', not the service AoR '{}': not registered "
             "(issue the gateway's certificate with --user {})", gateway.cert.user(), *aor, *aor);
    return {};
  }
  auto who = make_registrant(gateway);
  if (!who) {
    log.warn("service AoR '{}': {}", *aor, who.error());
    return {};
  }
  auto at = aor->find('@');
  std::string contact = "sip:" + aor->substr(0, at) + "@" + config.sip_listen.to_string();
  std::vector<KeptRegistration> out;
  out.push_back({*aor, wire::SipRegistration::make_uri(contact), std::move(*who)});
  return out;
}

}  // namespace p2psip::runtime
