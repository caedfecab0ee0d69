#include "gateway/registrar/registrar.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/text.h"
#include "gateway/registrar/authorization.h"

namespace p2psip::registrar {

namespace {

bool has_sip_scheme(std::string_view uri) {
  std::string head = ascii_lower(uri.substr(0, 5));
  return (head.rfind("sip:", 0) == 0 && uri.size() > 4) || (head == "sips:" && uri.size() > 5);
}

bool has_bad_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"';
  });
}

struct Aor {
  std::string user;
  std::string domain;  // lower-case
};

std::optional<Aor> split_aor(std::string_view aor) {
  auto at = aor.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == aor.size() ||
      aor.find('@', at + 1) != std::string_view::npos || has_bad_chars(aor) ||
      aor.find(':') != std::string_view::npos) {
    return std::nullopt;
  }
  return Aor{std::string(aor.substr(0, at)), ascii_lower(aor.substr(at + 1))};
}

// The first credentials for our realm; an error when some were sent but none usable.
struct Found {
  std::optional<DigestCredentials> creds;
  bool malformed = false;
};

Found find_credentials(const std::vector<std::string>& values, const std::string& realm) {
  Found found;
  for (const std::string& v : values) {
    auto parsed = parse_authorization(v);
    if (!parsed) {
      found.malformed = true;
      continue;
    }
    if (parsed->realm == realm) {
      found.creds = std::move(parsed).value();
      return found;
    }
  }
  return found;
}

}  // namespace

RegistrarPolicy policy_from(const config::GatewayConfig& config) {
  RegistrarPolicy p;
  p.realm = config.realm;
  p.domains = {config.domain};
  p.domains.insert(p.domains.end(), config.aliases.begin(), config.aliases.end());
  p.md5_first = config.digest_md5_first;
  return p;
}

Registrar::Registrar(RegistrarPolicy policy, config::PhoneBook phones, NonceIssuer nonces)
    : policy_(std::move(policy)), phones_(std::move(phones)), nonces_(std::move(nonces)) {}

std::optional<std::string> Registrar::credential_user(const RegisterFacts& facts) const {
  Found found = find_credentials(facts.authorizations, policy_.realm);
  if (!found.creds) return std::nullopt;
  return found.creds->username;
}

Challenge Registrar::challenge(Millis now, bool stale) const {
  Challenge c;
  c.stale = stale;
  std::string nonce = nonces_.issue(now);
  auto order = policy_.md5_first
                   ? std::array{DigestAlgorithm::kMd5, DigestAlgorithm::kSha256}
                   : std::array{DigestAlgorithm::kSha256, DigestAlgorithm::kMd5};
  for (DigestAlgorithm a : order) {
    std::string v = "Digest realm=" + quote(policy_.realm) + ", nonce=" + quote(nonce) +
                    ", algorithm=" + to_string(a) + ", qop=\"auth\"";
    if (stale) v += ", stale=true";
    c.www_authenticate.push_back(std::move(v));
  }
  return c;
}

std::optional<Decision> Registrar::authenticate(const RegisterFacts& facts,
                                                const std::string& user, Millis now,
                                                NonceCounter* counts) const {
  Found found = find_credentials(facts.authorizations, policy_.realm);
  if (!found.creds) {
    if (found.malformed) return BadRequest{"malformed Authorization header"};
    return challenge(now, false);
  }
  const DigestCredentials& c = *found.creds;
  // Who may register which AoR is decided before the password is looked at: answering a
  // mismatch only after a right password would tell a guesser that the guess was right, and
  // a failure counter keyed by To would let them rotate To to guess again (RFC 3261 §10.3
  // steps 3-6 leave the order to us; RFC 7616 §5.3 asks us to limit guessing).
  if (c.username != user) {
    return Forbidden{"user '" + c.username + "' may not register '" + facts.aor + "'"};
  }
  auto algorithm = parse_algorithm(c.algorithm);
  if (!algorithm || c.userhash) return challenge(now, false);  // not one we offered
  if (ascii_lower(c.qop) != "auth" || c.nc.empty() || c.cnonce.empty()) {
    return BadRequest{"digest without qop=auth, nc and cnonce"};
  }
  if (c.uri != facts.request_uri) return BadRequest{"digest uri does not match the Request-URI"};
  NonceState nonce = nonces_.check(c.nonce, now);
  auto password = phones_.find(c.username);
  bool right = password != phones_.end() &&
               responses_equal(digest_response(*algorithm, {c.username, c.realm, password->second,
                                                            "REGISTER", c.uri, c.nonce, c.nc,
                                                            c.cnonce, "auth"}),
                               c.response);
  if (!right) {
    Challenge again = challenge(now, false);
    again.failed_attempt = true;
    return again;
  }
  // RFC 7616 §3.3: stale=true when the nonce is not valid (expired, or made with another
  // secret: another gateway of the site without the shared nonce_secret_file, or this one
  // before a restart) but the response is right for it, so the phone retries with the new
  // nonce without asking its user. The password is checked first, and a wrong one is counted
  // above whatever the nonce, so stale=true tells a guesser nothing it could not learn anyway.
  if (nonce != NonceState::kValid) return challenge(now, true);
  auto issued = NonceIssuer::issued_at(c.nonce);
  if (counts && (!issued || !counts->accept(c.nonce, c.nc, *issued, now))) {
    return challenge(now, false);  // a replayed (or non-increasing) nonce-count
  }
  return std::nullopt;
}

Decision Registrar::decide(const RegisterFacts& facts, Millis now) const {
  return decide_with(facts, now, nullptr);
}

Decision Registrar::decide(const RegisterFacts& facts, Millis now, NonceCounter& counts) const {
  return decide_with(facts, now, &counts);
}

Decision Registrar::decide_with(const RegisterFacts& facts, Millis now,
                                NonceCounter* counts) const {
  auto aor = split_aor(facts.aor);
  if (!aor) return BadRequest{"To is not a SIP AoR user@domain"};
  bool ours = std::any_of(policy_.domains.begin(), policy_.domains.end(),
                          [&](const std::string& d) { return ascii_lower(d) == aor->domain; });
  if (!ours) return Forbidden{"domain '" + aor->domain + "' is not served here"};
  if (auto answer = authenticate(facts, aor->user, now, counts)) return *answer;
  return bindings(facts, aor->user + "@" + aor->domain);
}

Decision Registrar::bindings(const RegisterFacts& facts, const std::string& aor) const {
  Accepted accepted{aor, {}, {}};
  if (facts.wildcard) {
    if (!facts.contacts.empty() || facts.expires != std::optional<std::uint32_t>{0}) {
      return BadRequest{"Contact: * needs Expires: 0 and no other Contact"};
    }
    accepted.removes.push_back({aor, "*"});
    return accepted;
  }
  if (facts.contacts.size() > policy_.max_contacts) return BadRequest{"too many Contacts"};
  for (const ContactFact& contact : facts.contacts) {
    if (!has_sip_scheme(contact.uri) || has_bad_chars(contact.uri) || contact.uri.size() > 1024) {
      return BadRequest{"Contact is not a sip: or sips: URI"};
    }
    std::uint32_t expires = contact.expires.value_or(facts.expires.value_or(policy_.default_expires));
    if (expires == 0) {
      accepted.removes.push_back({aor, contact.uri});
    } else if (expires < policy_.min_expires) {
      return IntervalTooBrief{policy_.min_expires};
    } else {
      accepted.stores.push_back({aor, contact.uri, std::min(expires, policy_.max_expires)});
    }
  }
  return accepted;
}

}  // namespace p2psip::registrar
