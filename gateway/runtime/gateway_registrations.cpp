#include "gateway/runtime/gateway_registrations.h"

#include <filesystem>
#include <map>
#include <set>

#include "gateway/runtime/overlay_usage.h"
#include "gateway/runtime/registration_service.h"
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

// The gateway's own SIP URI for an AoR it stands in for: the AoR's user at the advertised
// address (the service AoR, a static AoR with several contacts, a registered phone).
std::string gateway_uri(const std::string& aor, const std::string& advertised) {
  return "sip:" + aor.substr(0, aor.find('@')) + "@" + advertised;
}

}  // namespace

Expected<usage::Registrant, std::string> load_registrant(const std::string& cert_path,
                                                         const std::string& key_path,
                                                         const std::string& aor,
                                                         const std::string& overlay,
                                                         const sec::NodeId& node) {
  auto cert = sec::Certificate::load(cert_path, overlay);
  if (!cert) return unexpected("cert '" + cert_path + "': " + cert.error());
  auto key = sec::PrivateKey::load(key_path);
  if (!key) return unexpected("key '" + key_path + "': " + key.error());
  if (user_aor(*cert) != aor) {
    return unexpected("cert '" + cert_path + "' is for user '" + cert->user() + "', not this AoR");
  }
  if (!cert->has_node_id(node)) {
    return unexpected("cert '" + cert_path + "' does not hold the gateway's Node-ID (issue it with "
                      "p2psip ca issue --user " + aor + " --node-id <the gateway's Node-ID>)");
  }
  if (!key_matches(*cert, *key)) {
    return unexpected("key '" + key_path + "' is not the key of '" + cert_path + "'");
  }
  usage::Registrant who;
  who.node = wire::NodeId(node);
  who.certificates.push_back(wire::GenericCertificate{
      wire::CertificateType::kX509, Bytes(cert->der().begin(), cert->der().end())});
  who.signer = std::make_shared<storage::CertificateSigner>(std::move(*cert), std::move(*key));
  return who;
}

Expected<std::vector<KeptRegistration>, StartError> plan_static_registrations(
    const config::GatewayConfig& config, const config::HostPort& advertise,
    const peer::NodeCredentials& gateway, spdlog::logger& log) {
  std::vector<KeptRegistration> out;
  std::map<std::string, std::size_t> index;  // AoR -> its entry in `out`
  if (gateway.cert.node_ids().empty()) return out;
  const auto& node = gateway.cert.node_ids().front();
  for (std::size_t i = 0; i < config.static_registrations.size(); ++i) {
    const auto& e = config.static_registrations[i];
    auto aor = usage::normalize_aor(e.aor);
    if (!aor) return unexpected(entry_error(i, e.aor, aor.error()));
    auto who = load_registrant(e.cert, e.key, *aor, config.overlay, node);
    if (!who) return unexpected(entry_error(i, e.aor, who.error()));
    auto seen = index.find(*aor);
    if (seen == index.end()) {
      index[*aor] = out.size();
      out.push_back({*aor, wire::SipRegistration::make_uri(e.contact), std::move(*who)});
      continue;
    }
    // RFC 7904: one value per Node-ID, so the gateway's own URI; it forks to every contact.
    std::string own = gateway_uri(*aor, advertise.to_string());
    if (out[seen->second].value != wire::SipRegistration::make_uri(own)) {
      out[seen->second].value = wire::SipRegistration::make_uri(own);
      log.info("static registration {} has several contacts: the overlay holds {} (the gateway), "
               "which forks to all of them", *aor, own);
    }
  }
  return out;
}

std::vector<KeptRegistration> plan_service_registration(const config::GatewayConfig& config,
                                                        const config::HostPort& advertise,
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
  std::string contact = gateway_uri(*aor, advertise.to_string());
  std::vector<KeptRegistration> out;
  out.push_back({*aor, wire::SipRegistration::make_uri(contact), std::move(*who)});
  return out;
}

PhoneOverlayKeeper::PhoneOverlayKeeper(const config::GatewayConfig& config,
                                       const config::HostPort& advertise,
                                       const security::NodeId& gateway_node, spdlog::logger& log)
    : phones_dir_((std::filesystem::path(config.data_dir) / "phones").string()),
      overlay_(config.overlay),
      node_(gateway_node),
      sip_host_port_(advertise.to_string()),
      lifetime_s_(config.registration_lifetime),
      log_(log) {}

void PhoneOverlayKeeper::changed(const std::string& aor, bool registered) {
  if (!service_) return;
  if (!registered) {
    if (kept_.erase(aor)) {
      service_->remove(aor);
      log_.info("phone {} unregistered: removing it from the overlay", aor);
    }
    return;
  }
  if (kept_.count(aor)) return;
  std::string base = (std::filesystem::path(phones_dir_) / aor).string();
  std::error_code ec;
  if (!std::filesystem::exists(base + ".crt", ec)) {
    log_.debug("phone {}: no certificate at {}.crt, registered at the gateway only", aor, base);
    return;
  }
  auto who = load_registrant(base + ".crt", base + ".key", aor, overlay_, node_);
  if (!who) {
    log_.warn("phone {}: not stored in the overlay: {}", aor, who.error());
    return;
  }
  std::string contact = gateway_uri(aor, sip_host_port_);
  if (service_->add(aor, wire::SipRegistration::make_uri(contact), lifetime_s_, std::move(*who))) {
    kept_.insert(aor);
    log_.info("phone {}: stored in the overlay as {}", aor, contact);
  }
}

}  // namespace p2psip::runtime
