#pragma once
// The registrar front-end on Sofia nta: a REGISTER for one of the gateway's domains becomes
// RegisterFacts, the pure PhoneRegistry decides (gateway/registrar/phone_registry.h), and the
// answer goes back as 401 (WWW-Authenticate), 403, 400, 423 (Min-Expires) or 200 (the AoR's
// Contacts with their expires). Bindings expire on one su_timer armed from next_expiry().
// The proxy asks contacts() (a registered phone's AoR routes like a static entry) and
// known_source() (a registered phone's address is a trusted sender). Loop thread only.

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "gateway/registrar/phone_registry.h"
#include "gateway/sip/sofia_handles.h"

struct nta_agent_s;
struct msg_s;
struct sip_s;
struct su_root_s;
struct su_timer_s;

namespace p2psip::metrics {
class SipMetrics;
class GatewayMetrics;
}  // namespace p2psip::metrics

namespace p2psip::sip {

// What a REGISTER says, read with Sofia's parser (To, Request-URI, Contact, Expires,
// Authorization). Missing or odd headers become facts the registrar refuses (400), never a crash.
registrar::RegisterFacts register_facts(const sip_s* sip);

class PhoneFrontEnd {
 public:
  PhoneFrontEnd(su_root_s* root, nta_agent_s* agent, std::unique_ptr<registrar::PhoneRegistry> registry,
                const Clock& clock, metrics::SipMetrics& sip_metrics,
                metrics::GatewayMetrics& metrics, std::shared_ptr<spdlog::logger> log);
  ~PhoneFrontEnd();
  PhoneFrontEnd(const PhoneFrontEnd&) = delete;
  PhoneFrontEnd& operator=(const PhoneFrontEnd&) = delete;

  // Answers the REGISTER.
  void handle(sofia::Message msg, sip_s* sip, const std::string& source_ip);
  std::vector<std::string> contacts(std::string_view aor) const;
  bool known_source(std::string_view ip) const;
  // A reload (PhoneRegistry::replace_phones): the removed phones' bindings go at once, each
  // AoR left without any is reported (on_changed, no binding) as an un-REGISTER would be.
  void replace_phones(config::PhoneBook phones);
  const config::PhoneBook& phones() const { return registry_->phones(); }
  // Called after a REGISTER was accepted (200), with what the overlay should now hold for the
  // AoR: its longest-lived binding, or nullopt when the phone removed them all. Not called
  // when a binding merely expires: its overlay value was stored with the same lifetime.
  using Changed = std::function<void(const std::string& aor,
                                     const std::optional<registrar::OverlayBinding>& binding)>;
  void on_changed(Changed cb) { changed_ = std::move(cb); }
  // What the overlay should hold for `aor` now (as on_changed reports it).
  std::optional<registrar::OverlayBinding> overlay_binding(const std::string& aor) const {
    return registry_->overlay_binding(aor, clock_.monotonic());
  }

 private:
  void arm();
  void expire();
  static void on_timer(void* magic, su_timer_s* timer, void* arg);

  nta_agent_s* agent_;
  std::unique_ptr<registrar::PhoneRegistry> registry_;
  const Clock& clock_;
  metrics::SipMetrics& sip_metrics_;
  metrics::GatewayMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  sofia::Timer timer_;
  Changed changed_;
};

}  // namespace p2psip::sip
