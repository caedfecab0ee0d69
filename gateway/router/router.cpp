#include "gateway/router/router.h"

#include <algorithm>

#include "common/text.h"

namespace p2psip::router {

namespace {

Decision reply(int status, std::string phrase, std::string why, std::uint32_t retry_after = 0) {
  Decision d;
  d.kind = Decision::Kind::reply;
  d.status = status;
  d.phrase = std::move(phrase);
  d.why = std::move(why);
  d.retry_after = retry_after;
  return d;
}

Decision forward(Route route, std::vector<std::string> targets) {
  Decision d;
  d.kind = Decision::Kind::forward;
  d.route = route;
  d.targets = std::move(targets);
  return d;
}

Decision resolve_dns() {
  Decision d;
  d.kind = Decision::Kind::resolve_dns;
  d.route = Route::dns;
  return d;
}

Decision lookup(std::string aor, bool dns_fallback) {
  Decision d;
  d.kind = Decision::Kind::lookup_overlay;
  d.route = Route::overlay;
  d.aor = std::move(aor);
  d.dns_fallback = dns_fallback;
  return d;
}

Decision forbidden(std::string why) { return reply(403, "Forbidden", std::move(why)); }

}  // namespace

std::string make_aor(std::string_view user, std::string_view host) {
  return std::string(user) + "@" + ascii_lower(host);
}

bool is_our_domain(const RouterConfig& config, std::string_view host) {
  std::string h = ascii_lower(host);
  return std::any_of(config.domains.begin(), config.domains.end(),
                     [&](const std::string& d) { return ascii_lower(d) == h; });
}

bool trusted(const RouterConfig& config, const RequestFacts& facts) {
  if (facts.source_known) return true;
  return std::any_of(config.trusted_networks.begin(), config.trusted_networks.end(),
                     [&](const config::Cidr& c) { return c.contains(facts.source_ip); });
}

Decision route(const RouterConfig& config, const RequestFacts& f, const PhoneContacts& phones) {
  // The route set decides for requests that carry one (RFC 3261 §16.4, §16.6 step 7).
  if (f.own_route_verified) return forward(Route::dialog, {});
  if (f.has_route) {
    if (!trusted(config, f)) return forbidden("Route set from an untrusted sender");
    return forward(Route::dialog, {});
  }

  bool ours = f.ruri_is_gateway || is_our_domain(config, f.ruri_host);
  if (ours && f.ruri_user.empty()) {
    Decision d;
    d.kind = Decision::Kind::local;
    return d;
  }
  if (ours) {
    std::string aor = make_aor(f.ruri_user, f.ruri_is_gateway && !config.domains.empty()
                                                 ? config.domains.front()
                                                 : f.ruri_host);
    if (auto it = config.static_registrations.find(aor); it != config.static_registrations.end()) {
      return forward(Route::static_table, it->second);
    }
    if (phones) {
      if (auto contacts = phones(aor); !contacts.empty()) {
        return forward(Route::static_table, std::move(contacts));
      }
    }
    return lookup(std::move(aor), false);
  }
  // Outbound: never an open relay.
  if (!trusted(config, f)) {
    return forbidden("outbound request from an untrusted sender (no open relay)");
  }
  if (f.in_dialog || f.ruri_user.empty()) return resolve_dns();
  return lookup(make_aor(f.ruri_user, f.ruri_host), true);
}

Decision after_lookup(const RouterConfig& config, const Decision& pending,
                      const LookupResult& result) {
  if (result.status == LookupStatus::found && !result.contacts.empty()) {
    // Several gateways may each hold the same phone contact (one value per storing node,
    // RFC 7904 §3.2): fork to each contact once (RFC 3261 §16.5: a target set has no duplicates).
    std::vector<std::string> targets;
    for (const std::string& c : result.contacts) {
      if (std::find(targets.begin(), targets.end(), c) == targets.end()) targets.push_back(c);
    }
    return forward(Route::overlay, std::move(targets));
  }
  if (pending.dns_fallback) return resolve_dns();
  if (result.status == LookupStatus::unreachable) {
    return reply(503, "Service Unavailable", "overlay unreachable", config.retry_after_seconds);
  }
  return reply(404, "Not Found", "not registered in the overlay");
}

}  // namespace p2psip::router
