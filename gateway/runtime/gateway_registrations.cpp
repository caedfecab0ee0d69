#include "gateway/runtime/gateway_registrations.h"

#include "gateway/runtime/cert_node_ids.h"

#include <filesystem>
#include <map>
#include <set>

namespace p2psip::runtime {

namespace {

StartError entry_error(std::size_t i, const std::string& aor, const std::string& message) {
  return StartError{2, "config error: static_registrations[" + std::to_string(i) + "] (" + aor +
                           "): " + message};
}

// The AoR a user name stands for ("" when it is not one).
std::string user_aor(const std::string& user) {
  auto aor = overlay::normalize_aor(user);
  return aor ? *aor : std::string();
}

// The gateway's own SIP URI for an AoR it stands in for: the AoR's user at the advertised
// address (the service AoR, a static AoR with several contacts).
std::string gateway_uri(const std::string& aor, const std::string& advertised) {
  return "sip:" + aor.substr(0, aor.find('@')) + "@" + advertised;
}

}  // namespace

Expected<std::vector<KeptRegistration>, StartError> plan_static_registrations(
    const config::GatewayConfig& config, const config::HostPort& advertise,
    const GatewayIdentity& gateway, spdlog::logger& log) {
  std::vector<KeptRegistration> out;
  std::map<std::string, std::size_t> index;  // AoR -> its entry in `out`
  if (gateway.node_id.empty()) return out;
  for (std::size_t i = 0; i < config.static_registrations.size(); ++i) {
    const auto& e = config.static_registrations[i];
    auto aor = overlay::normalize_aor(e.aor);
    if (!aor) return unexpected(entry_error(i, e.aor, aor.error()));
    auto who = overlay::Registrant::load(e.cert, e.key, *aor, config.overlay, gateway.node_id);
    if (!who) return unexpected(entry_error(i, e.aor, who.error()));
    auto seen = index.find(*aor);
    if (seen == index.end()) {
      index[*aor] = out.size();
      out.push_back({*aor, overlay::Contact::make_uri(e.contact), std::move(*who)});
      continue;
    }
    // RFC 7904: one value per Node-ID, so the gateway's own URI; it forks to every contact.
    std::string own = gateway_uri(*aor, advertise.to_string());
    if (out[seen->second].value != overlay::Contact::make_uri(own)) {
      out[seen->second].value = overlay::Contact::make_uri(own);
      log.info("static registration {} has several contacts: the overlay holds {} (the gateway), "
               "which forks to all of them", *aor, own);
    }
  }
  return out;
}

std::vector<KeptRegistration> plan_service_registration(const config::GatewayConfig& config,
                                                        const config::HostPort& advertise,
                                                        const GatewayIdentity& gateway,
                                                        spdlog::logger& log) {
  auto aor = overlay::normalize_aor(config.service_aor);
  if (!aor) {
    log.warn("service AoR '{}' is unusable ({}): not registered", config.service_aor, aor.error());
    return {};
  }
  if (user_aor(gateway.user) != *aor) {
    log.warn("the gateway's certificate is for '{}', not the service AoR '{}': not registered "
             "(issue the gateway's certificate with --user {})", gateway.user, *aor, *aor);
    return {};
  }
  if (!gateway.registrant.valid()) {
    log.warn("service AoR '{}': no registrant", *aor);
    return {};
  }
  std::string contact = gateway_uri(*aor, advertise.to_string());
  std::vector<KeptRegistration> out;
  out.push_back({*aor, overlay::Contact::make_uri(contact), gateway.registrant});
  return out;
}

PhoneOverlayKeeper::PhoneOverlayKeeper(const config::GatewayConfig& config,
                                       std::string gateway_node, spdlog::logger& log)
    : phones_dir_((std::filesystem::path(config.data_dir) / "phones").string()),
      overlay_(config.overlay),
      node_id_(std::move(gateway_node)),
      lifetime_s_(config.registration_lifetime),
      log_(log) {}

const overlay::Registrant* PhoneOverlayKeeper::registrant(const std::string& aor) {
  if (auto it = registrants_.find(aor); it != registrants_.end()) return &it->second;
  std::string base = (std::filesystem::path(phones_dir_) / aor).string();
  std::error_code ec;
  if (!std::filesystem::exists(base + ".crt", ec)) {
    log_.debug("phone {}: no certificate at {}.crt, registered at the gateway only", aor, base);
    return nullptr;
  }
  auto who = overlay::Registrant::load(base + ".crt", base + ".key", aor, overlay_, node_id_);
  if (!who) {
    log_.warn("phone {}: not stored in the overlay: {}", aor, who.error());
    return nullptr;
  }
  auto& others = others_[aor];
  for (const auto& id : certificate_node_ids(base + ".crt")) {
    if (id == node_id_) continue;
    if (auto other = overlay::Registrant::load(base + ".crt", base + ".key", aor, overlay_, id)) {
      others.push_back(std::move(*other));
    }
  }
  return &registrants_.emplace(aor, std::move(*who)).first->second;
}

void PhoneOverlayKeeper::changed(const std::string& aor,
                                 const std::optional<registrar::OverlayBinding>& binding) {
  if (!node_ || node_->state() != overlay::State::kJoined) {
    if (pending_.insert(aor).second) {
      log_.info("phone {}: the overlay node has not joined yet; stored once it has", aor);
    }
    return;
  }
  pending_.erase(aor);
  apply(aor, binding);
}

void PhoneOverlayKeeper::renewed(const std::string& aor,
                                 const std::optional<registrar::OverlayBinding>& binding) {
  registrants_.erase(aor);
  others_.erase(aor);
  if (binding) changed(aor, binding);
}

void PhoneOverlayKeeper::store_pending(const Current& current) {
  if (pending_.empty() || !node_ || node_->state() != overlay::State::kJoined) return;
  auto aors = std::move(pending_);
  pending_.clear();
  for (const auto& aor : aors) apply(aor, current(aor));
}

void PhoneOverlayKeeper::apply(const std::string& aor,
                               const std::optional<registrar::OverlayBinding>& binding) {
  const overlay::Registrant* who = registrant(aor);
  if (!who) return;
  // The callbacks name only values and the logger (which outlives the node): the node drops
  // them when it goes.
  auto done = [&log = log_, aor, what = binding ? "stored" : "removed"](Expected<void, overlay::Failure> r) {
    if (r) {
      log.info("phone {}: {} in the overlay", aor, what);
    } else {
      log.warn("phone {}: not {} in the overlay: {}", aor, what, r.error().message);
    }
  };
  if (binding) {
    node_->store(*who, aor, overlay::Contact::make_uri(binding->contact), binding->seconds, done);
  } else {
    node_->remove(*who, aor, lifetime_s_, done);
    // The values other gateways stored for this phone (their Node-IDs in its certificate).
    for (const auto& other : others_[aor]) {
      node_->remove(other, aor, lifetime_s_, [&log = log_, aor, id = other.node_id()](Expected<void, overlay::Failure> r) {
        if (r) {
          log.info("phone {}: the value stored under Node-ID {} removed from the overlay", aor, id);
        } else {
          log.warn("phone {}: the value stored under Node-ID {} not removed: {}", aor, id, r.error().message);
        }
      });
    }
  }
}

}  // namespace p2psip::runtime
