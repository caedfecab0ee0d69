#pragma once
// Where a SIP request goes: a PURE decision (DESIGN.md §1 flows 3 and 4). The proxy extracts
// the facts of a request, asks route(), performs what the decision says (answer, overlay
// lookup, RFC 3263 resolution, forward) and, after a lookup, asks after_lookup(). No Sofia, no
// sockets, no clock.
//
//  - In-dialog requests whose route set we record-routed ourselves (own_route_verified: our
//    Record-Route token for this dialog, and a To-tag) go along the route set (route `dialog`)
//    from anyone. Any other Route, even one naming us, trusts nobody: a Route left after
//    ours is followed for trusted senders only (403 otherwise), and a request whose Route
//    was only ours is routed by its Request-URI like any other (issue 13 finding 1: neither a
//    popped own Route nor a To-tag makes a request trusted).
//  - Addressed to the gateway itself (no user part, one of our domains or addresses): answered
//    locally (local_answer.h).
//  - Inbound (Request-URI domain is the overlay domain or an alias): the static registrations
//    table first, then the plain phones registered here (both route `static`: answered from the
//    gateway's own tables without a lookup), else an overlay lookup (route `overlay`); not found 404,
//    overlay unreachable 503 with Retry-After.
//  - Outbound (any other domain): trusted senders only (else 403, never an open relay); the
//    overlay first, then RFC 3263 on the Request-URI (route `dns`).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/cidr.h"
#include "gateway/router/route.h"

namespace p2psip::router {

// AoR ("user@domain", lowercase domain, no scheme) -> contact URIs. Filled by the integrator
// from the gateway config (static_registrations).
using StaticTable = std::map<std::string, std::vector<std::string>, std::less<>>;

struct RouterConfig {
  std::vector<std::string> domains;      // overlay domain first, then aliases (case-insensitive)
  std::vector<config::Cidr> trusted_networks;  // senders allowed to use the outbound fallback
  StaticTable static_registrations;
  bool record_route = true;
  bool parallel_forking = true;          // false: contacts are tried one after another
  std::uint32_t retry_after_seconds = 30;  // Retry-After of the 503 when the overlay is down
};

// What the proxy knows about one request, extracted by its adapter.
struct RequestFacts {
  std::string method;
  std::string ruri_user;        // "" when the Request-URI has no user part
  std::string ruri_host;        // as written (a name or a numeric address)
  bool ruri_is_gateway = false; // the host:port is one of the gateway's own SIP addresses
  // The top Route was ours and carried our Record-Route token for this request's Call-ID and
  // one of its tags, and the request has a To-tag (sip/route_token.h): a dialog we
  // record-routed. A Route naming us without a valid token is popped but proves nothing.
  bool own_route_verified = false;
  bool has_route = false;       // a Route header remains after popping ours
  bool in_dialog = false;       // the To header has a tag (routing only, never trust)
  std::string source_ip;        // numeric address the request came from
  bool source_known = false;    // a phone registered here or an overlay peer (integrator's hook)
};

struct Decision {
  enum class Kind {
    reply,           // answer status/phrase (retry_after > 0: add Retry-After)
    local,           // the gateway itself answers (local_answer())
    forward,         // send to `targets` (URIs; dialog: next hop is the route set / R-URI)
    lookup_overlay,  // look `aor` up, then call after_lookup()
    resolve_dns,     // RFC 3263 on the Request-URI, forward to the targets in order
  };
  Kind kind = Kind::reply;
  int status = 0;
  std::string phrase;
  std::string why;                   // reply: why it refuses, for the routing log line
  std::uint32_t retry_after = 0;
  Route route = Route::dns;          // forward: overlay, static_table or dialog
  std::string aor;                   // lookup_overlay
  bool dns_fallback = false;         // lookup_overlay: outbound, so DNS when the overlay has none
  std::vector<std::string> targets;  // forward: contacts in order
};

enum class LookupStatus { found, not_found, unreachable };
struct LookupResult {
  LookupStatus status = LookupStatus::unreachable;
  std::vector<std::string> contacts;  // found: the registered contact URIs
};

// True when the sender may use the outbound fallback.
bool trusted(const RouterConfig& config, const RequestFacts& facts);
// True when `host` is one of the configured domains (case-insensitive).
bool is_our_domain(const RouterConfig& config, std::string_view host);

// The current contacts of a plain phone registered at this gateway (empty: none), by AoR
// ("user@domain"). The registrar front-end answers it from its binding table.
using PhoneContacts = std::function<std::vector<std::string>(std::string_view aor)>;

Decision route(const RouterConfig& config, const RequestFacts& facts,
               const PhoneContacts& phones = {});
// The continuation of a lookup_overlay decision once the overlay answered.
Decision after_lookup(const RouterConfig& config, const Decision& lookup,
                      const LookupResult& result);

// "user@domain" with the domain lowercased: the key of the static table and of the overlay.
std::string make_aor(std::string_view user, std::string_view host);

}  // namespace p2psip::router
