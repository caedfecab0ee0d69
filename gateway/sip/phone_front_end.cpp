#include "gateway/sip/phone_front_end.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_wait.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <set>

#include "metrics/metrics.h"

namespace p2psip::sip {

namespace {

// A delta-seconds value ("3600"); nullopt for anything else, capped at 2^32-1.
std::optional<std::uint32_t> seconds(const char* text) {
  if (!text || !*text) return std::nullopt;
  std::uint64_t v = 0;
  for (const char* p = text; *p; ++p) {
    if (*p < '0' || *p > '9') return std::nullopt;
    v = std::min<std::uint64_t>(v * 10 + static_cast<std::uint64_t>(*p - '0'),
                                std::numeric_limits<std::uint32_t>::max());
  }
  return static_cast<std::uint32_t>(v);
}

}  // namespace

registrar::RegisterFacts register_facts(const sip_t* sip) {
  registrar::RegisterFacts f;
  sofia::ScopedHome scoped;
  su_home_t* home = scoped.get();
  if (sip->sip_to && sip->sip_to->a_url->url_host) {
    const url_t* to = sip->sip_to->a_url;
    f.aor = std::string(to->url_user ? to->url_user : "") + "@" + to->url_host;
  }
  if (sip->sip_request) {
    if (char* ruri = url_as_string(home, sip->sip_request->rq_url)) f.request_uri = ruri;
  }
  for (const sip_contact_t* m = sip->sip_contact; m; m = m->m_next) {
    if (m->m_url->url_type == url_any) {
      f.wildcard = true;
      continue;
    }
    char* uri = url_as_string(home, m->m_url);
    f.contacts.push_back({uri ? uri : "", seconds(m->m_expires)});
  }
  if (sip->sip_expires) {
    f.expires = static_cast<std::uint32_t>(
        std::min<unsigned long>(sip->sip_expires->ex_delta, std::numeric_limits<std::uint32_t>::max()));
  }
  // Rebuilt from the scheme and the parameters as received ("name=value" each): Sofia's
  // sip_header_as_string() was seen to drop the last parameter of a long Authorization.
  for (const sip_authorization_t* a = sip->sip_authorization; a; a = a->au_next) {
    std::string value = a->au_scheme ? a->au_scheme : "";
    for (const msg_param_t* p = a->au_params; p && *p; ++p) {
      value += (p == a->au_params ? " " : ", ");
      value += *p;
    }
    f.authorizations.push_back(std::move(value));
  }
  return f;
}

PhoneFrontEnd::PhoneFrontEnd(su_root_s* root, nta_agent_s* agent,
                             std::unique_ptr<registrar::PhoneRegistry> registry, const Clock& clock,
                             metrics::SipMetrics& sip_metrics, metrics::GatewayMetrics& metrics,
                             std::shared_ptr<spdlog::logger> log)
    : agent_(agent),
      registry_(std::move(registry)),
      clock_(clock),
      sip_metrics_(sip_metrics),
      metrics_(metrics),
      log_(std::move(log)) {
  timer_ = sofia::make_timer(root, 1);
  metrics_.registered_phones(0);
}

PhoneFrontEnd::~PhoneFrontEnd() = default;

void PhoneFrontEnd::handle(sofia::Message msg, sip_s* sip, const std::string& source_ip) {
  registrar::RegisterFacts facts = register_facts(sip);
  registrar::RegisterAnswer a = registry_->handle(
      facts, source_ip, clock_.monotonic(), Millis{static_cast<Millis::rep>(clock_.wall_ms())});
  // nta_incoming_create() takes the message, even when it fails.
  sofia::ServerTransaction irq(nta_incoming_create(agent_, nullptr, msg.release(), sip, TAG_END()));
  if (!irq) {
    log_->warn("cannot create a server transaction for REGISTER");
    return;
  }
  msg_t* reply = nta_incoming_create_response(irq.get(), a.status, a.phrase.c_str());
  if (!reply) {
    nta_incoming_treply(irq.get(), 500, "Server Internal Error", TAG_END());
    return;
  }
  sip_t* rs = sip_object(reply);
  for (const auto& v : a.www_authenticate) {
    sip_add_tl(reply, rs, SIPTAG_WWW_AUTHENTICATE_STR(v.c_str()), TAG_END());
  }
  for (const auto& c : a.contacts) sip_add_tl(reply, rs, SIPTAG_CONTACT_STR(c.c_str()), TAG_END());
  if (a.min_expires) {
    sip_add_tl(reply, rs, SIPTAG_MIN_EXPIRES_STR(std::to_string(a.min_expires).c_str()), TAG_END());
  }
  // The gauge moves before the answer leaves, so whoever saw the 200 sees the binding counted.
  metrics_.registered_phones(registry_->bindings());
  if (nta_incoming_mreply(irq.get(), reply) < 0) log_->warn("cannot send the REGISTER answer");
  sip_metrics_.response_sent(a.status);
  irq.reset();
  if (a.status == 200) {
    log_->info("REGISTER {} from {}: {} binding(s)", facts.aor, source_ip, a.contacts.size());
  } else {
    log_->info("REGISTER {} from {}: {} {}{}", facts.aor, source_ip, a.status, a.phrase,
               a.reason.empty() ? "" : " (" + a.reason + ")");
  }
  arm();
  if (a.status == 200 && changed_) changed_(a.aor, registry_->overlay_binding(a.aor, clock_.monotonic()));
}

std::vector<std::string> PhoneFrontEnd::contacts(std::string_view aor) const {
  return registry_->contacts(aor, clock_.monotonic());
}

bool PhoneFrontEnd::known_source(std::string_view ip) const {
  return registry_->known_source(ip, clock_.monotonic());
}

void PhoneFrontEnd::replace_phones(config::PhoneBook phones) {
  auto gone = registry_->replace_phones(std::move(phones));
  for (const auto& g : gone) log_->info("phone {} removed by a reload: dropped its binding {}", g.aor, g.contact);
  metrics_.registered_phones(registry_->bindings());
  arm();
  std::set<std::string> aors;
  for (const auto& g : gone) aors.insert(g.aor);
  if (changed_) {
    for (const auto& aor : aors) changed_(aor, std::nullopt);
  }
}

void PhoneFrontEnd::arm() {
  auto next = registry_->next_expiry();
  if (!next) {
    su_timer_reset(timer_.get());
    return;
  }
  auto wait = std::max<Millis::rep>((*next - clock_.monotonic()).count(), 1);
  su_timer_set_interval(timer_.get(), reinterpret_cast<su_timer_f>(&PhoneFrontEnd::on_timer),
                        reinterpret_cast<su_timer_arg_t*>(this),
                        static_cast<su_duration_t>(std::min<Millis::rep>(wait, 24L * 3600 * 1000)));
}

void PhoneFrontEnd::on_timer(void*, su_timer_s*, void* arg) { static_cast<PhoneFrontEnd*>(arg)->expire(); }

void PhoneFrontEnd::expire() {
  auto gone = registry_->expire(clock_.monotonic());
  for (const auto& g : gone) log_->info("registration of {} at {} expired", g.aor, g.contact);
  metrics_.registered_phones(registry_->bindings());
  arm();
}

}  // namespace p2psip::sip
