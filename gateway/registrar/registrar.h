#pragma once
// The registrar front-end for plain SIP phones, as a pure decision (RFC 3261 §10.3 with digest
// authentication, RFC 7616). The SIP side (gateway/sip) extracts the facts of a REGISTER with
// Sofia, calls Registrar::decide(), and turns the Decision into a response:
//
//   Challenge        -> 401, one WWW-Authenticate header per entry of www_authenticate
//                       (SHA-256 first, then MD5). failed_attempt counts wrong credentials, so
//                       the caller may answer 403 after N of them from the same source.
//   Forbidden        -> 403 (AoR in a domain we do not serve, or credentials of user X for
//                       AoR Y: refused before the password is checked, so it reveals nothing)
//   BadRequest       -> 400 (malformed AoR, Contact or Authorization, digest uri mismatch)
//   IntervalTooBrief -> 423 with Min-Expires: min_expires
//   Accepted         -> apply stores/removes to a BindingTable (and the overlay), then 200 with
//                       the AoR's current bindings (RFC 3261 §10.3 step 8). Empty stores and
//                       removes: a query.
//
// Nothing is stored unless the credentials are right: a wrong password is a Challenge again.
// Nonces are stateless (NonceIssuer). Replay protection is optional: pass a NonceCounter to
// decide() and a request whose nc does not grow for its nonce is challenged again.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "gateway/config/gateway_config.h"
#include "gateway/config/phones.h"
#include "gateway/registrar/digest.h"
#include "gateway/registrar/nonce_counter.h"

namespace p2psip::registrar {

struct ContactFact {
  std::string uri;                       // the Contact URI, "sip:alice@192.0.2.7:5062"
  std::optional<std::uint32_t> expires;  // its ;expires= parameter
};

struct RegisterFacts {
  std::string aor;          // from To, without scheme: "alice@p2p.example.com"
  std::string request_uri;  // as on the request line; the digest uri must equal it
  bool wildcard = false;    // "Contact: *"
  std::vector<ContactFact> contacts;
  std::optional<std::uint32_t> expires;     // the Expires header
  std::vector<std::string> authorizations;  // each Authorization header value, raw
};

struct RegistrarPolicy {
  std::string realm;
  std::vector<std::string> domains;  // the domain and its aliases
  std::uint32_t default_expires = 3600;
  std::uint32_t min_expires = 60;
  std::uint32_t max_expires = 7200;  // longer requests are shortened to this
  std::size_t max_contacts = 10;     // per REGISTER
  // Offer MD5 before SHA-256 (for phones that read only the first WWW-Authenticate).
  bool md5_first = false;
};

// realm, domains (domain + aliases) and md5_first (digest_md5_first) from the gateway config;
// other limits at their defaults.
RegistrarPolicy policy_from(const config::GatewayConfig& config);

struct Challenge {
  std::vector<std::string> www_authenticate;  // header values
  bool stale = false;
  bool failed_attempt = false;  // credentials were sent and were wrong
};
struct Forbidden { std::string reason; };
struct BadRequest { std::string reason; };
struct IntervalTooBrief { std::uint32_t min_expires = 0; };
struct Store {
  std::string aor;
  std::string contact;
  std::uint32_t expires = 0;  // seconds
};
struct Remove {
  std::string aor;
  std::string contact;  // "*": every binding of the AoR
};
struct Accepted {
  std::string aor;  // normalised: user@lower-case-domain
  std::vector<Store> stores;
  std::vector<Remove> removes;
};

using Decision = std::variant<Challenge, Forbidden, BadRequest, IntervalTooBrief, Accepted>;

class Registrar {
 public:
  Registrar(RegistrarPolicy policy, config::PhoneBook phones, NonceIssuer nonces);

  Decision decide(const RegisterFacts& facts, Millis now) const;
  // The same, refusing replayed nonce-counts (the counter remembers what was accepted).
  Decision decide(const RegisterFacts& facts, Millis now, NonceCounter& counts) const;
  // The username of the credentials decide() checks (the first Authorization for our realm
  // that parses), or nullopt when there are none: what the failed-attempt limit is keyed by.
  std::optional<std::string> credential_user(const RegisterFacts& facts) const;
  // A fresh challenge (SHA-256 and MD5, MD5 first with md5_first), e.g. for the first
  // REGISTER of a phone.
  Challenge challenge(Millis now, bool stale) const;

  const RegistrarPolicy& policy() const { return policy_; }
  const config::PhoneBook& phones() const { return phones_; }
  // A reload's new credentials: checked from the next REGISTER on. Nonces stay valid (their
  // secret is the process's, not the password's).
  void set_phones(config::PhoneBook phones) { phones_ = std::move(phones); }

 private:
  // nullopt: authenticated as `user`; otherwise the decision to answer with.
  Decision decide_with(const RegisterFacts& facts, Millis now, NonceCounter* counts) const;
  std::optional<Decision> authenticate(const RegisterFacts& facts, const std::string& user,
                                       Millis now, NonceCounter* counts) const;
  Decision bindings(const RegisterFacts& facts, const std::string& aor) const;

  RegistrarPolicy policy_;
  config::PhoneBook phones_;
  NonceIssuer nonces_;
};

}  // namespace p2psip::registrar
