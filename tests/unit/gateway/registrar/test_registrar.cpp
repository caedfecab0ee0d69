#include <doctest/doctest.h>

#include <string>

#include "gateway/registrar/authorization.h"
#include "gateway/registrar/registrar.h"

using namespace p2psip::registrar;
using p2psip::Millis;

namespace {

constexpr Millis kNow{10'000'000};
const char* kRealm = "p2p.example.com";
const char* kRuri = "sip:p2p.example.com";

Registrar make_registrar() {
  RegistrarPolicy policy;
  policy.realm = kRealm;
  policy.domains = {"p2p.example.com", "alias.example"};
  return Registrar(policy, {{"alice", "alice-pw"}, {"bob", "bob-pw"}},
                   NonceIssuer("test-secret", kRealm, Millis{300'000}));
}

// The nonce of a challenge's first WWW-Authenticate value.
std::string nonce_of(const Challenge& c) {
  REQUIRE_FALSE(c.www_authenticate.empty());
  const std::string& v = c.www_authenticate[0];
  auto start = v.find("nonce=\"") + 7;
  return v.substr(start, v.find('"', start) - start);
}

std::string authorization(const std::string& user, const std::string& password,
                          const std::string& nonce, DigestAlgorithm a = DigestAlgorithm::kSha256,
                          const std::string& uri = kRuri, const std::string& nc = "00000001") {
  std::string response = digest_response(
      a, {user, kRealm, password, "REGISTER", uri, nonce, nc, "c0ffee", "auth"});
  return "Digest username=" + quote(user) + ", realm=" + quote(kRealm) + ", nonce=" +
         quote(nonce) + ", uri=" + quote(uri) + ", response=" + quote(response) +
         ", algorithm=" + to_string(a) + ", qop=auth, nc=" + nc + ", cnonce=\"c0ffee\"";
}

RegisterFacts facts(const std::string& aor, std::vector<std::string> auth,
                    std::vector<ContactFact> contacts = {{"sip:alice@192.0.2.7:5062", {}}}) {
  RegisterFacts f;
  f.aor = aor;
  f.request_uri = kRuri;
  f.contacts = std::move(contacts);
  f.authorizations = std::move(auth);
  return f;
}

// By value: callers pass the temporary that decide() returns.
template <class T>
T as(const Decision& d) {
  REQUIRE_MESSAGE(std::holds_alternative<T>(d), "decision index " << d.index());
  return std::get<T>(d);
}

// A nonce that is not valid at `now`: the right password gets 401 stale=true (RFC 7616 §3.3),
// a wrong one a plain 401 counted as a failed attempt.
void check_not_valid_nonce(const Registrar& r, const std::string& nonce, Millis now) {
  CAPTURE(nonce);
  const auto right = as<Challenge>(
      r.decide(facts("alice@p2p.example.com", {authorization("alice", "alice-pw", nonce)}), now));
  CHECK(right.stale);
  CHECK(right.www_authenticate[0].find("stale=true") != std::string::npos);
  CHECK_FALSE(right.failed_attempt);
  const auto wrong = as<Challenge>(
      r.decide(facts("alice@p2p.example.com", {authorization("alice", "bad", nonce)}), now));
  CHECK_FALSE(wrong.stale);
  CHECK(wrong.failed_attempt);
}

}  // namespace

TEST_CASE("no credentials: 401 offering SHA-256 then MD5, nothing stored") {
  Registrar r = make_registrar();
  const auto& c = as<Challenge>(r.decide(facts("alice@p2p.example.com", {}), kNow));
  REQUIRE(c.www_authenticate.size() == 2);
  CHECK(c.www_authenticate[0].find("algorithm=SHA-256") != std::string::npos);
  CHECK(c.www_authenticate[1].find("algorithm=MD5") != std::string::npos);
  CHECK(c.www_authenticate[0].find("realm=\"p2p.example.com\"") != std::string::npos);
  CHECK(c.www_authenticate[0].find("qop=\"auth\"") != std::string::npos);
  CHECK_FALSE(c.stale);
  CHECK_FALSE(c.failed_attempt);
}

TEST_CASE("right credentials store the contact, for SHA-256 and MD5") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  for (DigestAlgorithm a : {DigestAlgorithm::kSha256, DigestAlgorithm::kMd5}) {
    CAPTURE(to_string(a));
    auto f = facts("alice@P2P.Example.COM", {authorization("alice", "alice-pw", nonce, a)});
    f.expires = 600;
    const auto& ok = as<Accepted>(r.decide(f, kNow + Millis{1000}));
    CHECK(ok.aor == "alice@p2p.example.com");
    REQUIRE(ok.stores.size() == 1);
    CHECK(ok.stores[0].contact == "sip:alice@192.0.2.7:5062");
    CHECK(ok.stores[0].expires == 600);
    CHECK(ok.removes.empty());
  }
}

TEST_CASE("wrong password or unknown user: 401 again, counted as a failed attempt") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  for (auto [user, pw] : {std::pair{"alice", "wrong"}, std::pair{"mallory", "x"}}) {
    const auto& c =
        as<Challenge>(r.decide(facts(std::string(user) + "@p2p.example.com",
                                     {authorization(user, pw, nonce)}), kNow));
    CHECK(c.failed_attempt);
    CHECK_FALSE(c.stale);
  }
}

TEST_CASE("a stale nonce with the right password: 401 stale=true; with a wrong one: not stale") {
  Registrar r = make_registrar();
  check_not_valid_nonce(r, nonce_of(r.challenge(kNow, false)), kNow + Millis{300'001});
}

TEST_CASE("an unknown nonce with the right password: stale=true; with a wrong one: a failed attempt") {
  Registrar r = make_registrar();
  // Made by a gateway with another secret (or this one before a restart), or forged.
  Registrar other(r.policy(), {{"alice", "alice-pw"}},
                  NonceIssuer("another-secret", kRealm, Millis{300'000}));
  for (const std::string& nonce : {nonce_of(other.challenge(kNow, false)), std::string(64, 'a'),
                                   std::string("short")}) {
    check_not_valid_nonce(r, nonce, kNow);
  }
}

TEST_CASE("gateways sharing a nonce secret accept each other's nonces") {
  Registrar a = make_registrar();
  Registrar b(a.policy(), {{"alice", "alice-pw"}},
              NonceIssuer("test-secret", kRealm, Millis{300'000}));
  NonceCounter counts_b(Millis{300'000});
  std::string nonce = nonce_of(a.challenge(kNow, false));
  // nc 2 at b: the phone's first answer (nc 1) went to a; b never saw it and takes the higher count.
  auto f = facts("alice@p2p.example.com", {authorization("alice", "alice-pw", nonce,
                                                         DigestAlgorithm::kSha256, kRuri, "00000002")});
  as<Accepted>(b.decide(f, kNow + Millis{1000}, counts_b));
}

TEST_CASE("another realm or an unknown algorithm: a fresh challenge") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  std::string other_realm = "Digest username=\"alice\", realm=\"elsewhere\", nonce=\"" + nonce +
                            "\", uri=\"sip:p2p.example.com\", response=\"00\"";
  as<Challenge>(r.decide(facts("alice@p2p.example.com", {other_realm}), kNow));
  std::string sess = authorization("alice", "alice-pw", nonce);
  sess.replace(sess.find("algorithm=SHA-256"), 17, "algorithm=MD5-sess");
  as<Challenge>(r.decide(facts("alice@p2p.example.com", {sess}), kNow));
}

TEST_CASE("credentials of one user for another AoR: 403 before the password is checked") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  auto d = r.decide(facts("bob@p2p.example.com", {authorization("alice", "alice-pw", nonce)}), kNow);
  CHECK(as<Forbidden>(d).reason.find("alice") != std::string::npos);
  // A wrong password gets the very same answer: the mismatch tells nothing about the password.
  auto wrong = r.decide(facts("bob@p2p.example.com", {authorization("alice", "guess", nonce)}), kNow);
  CHECK(as<Forbidden>(wrong).reason == as<Forbidden>(d).reason);
}

TEST_CASE("credential_user: the username of the first credentials for our realm") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  CHECK_FALSE(r.credential_user(facts("bob@p2p.example.com", {})));
  CHECK_FALSE(r.credential_user(facts("bob@p2p.example.com", {"Digest garbage"})));
  std::string other_realm = "Digest username=\"eve\", realm=\"elsewhere\", nonce=\"n\", "
                            "uri=\"sip:p2p.example.com\", response=\"00\"";
  auto user = r.credential_user(
      facts("bob@p2p.example.com", {other_realm, authorization("alice", "x", nonce)}));
  REQUIRE(user);
  CHECK(*user == "alice");
}

TEST_CASE("a domain that is not served: 403 before any challenge; aliases are served") {
  Registrar r = make_registrar();
  as<Forbidden>(r.decide(facts("alice@evil.example", {}), kNow));
  as<Challenge>(r.decide(facts("alice@alias.example", {}), kNow));
}

TEST_CASE("malformed requests: 400") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  std::string good = authorization("alice", "alice-pw", nonce);
  for (const char* aor : {"", "alice", "@p2p.example.com", "alice@", "a@b@p2p.example.com",
                          "sip:alice@p2p.example.com", "al ice@p2p.example.com"}) {
    CAPTURE(aor);
    as<BadRequest>(r.decide(facts(aor, {good}), kNow));
  }
  as<BadRequest>(r.decide(facts("alice@p2p.example.com", {"Digest garbage"}), kNow));
  // The digest uri must be the Request-URI.
  auto moved = facts("alice@p2p.example.com",
                     {authorization("alice", "alice-pw", nonce, DigestAlgorithm::kSha256,
                                    "sip:other.example")});
  CHECK(as<BadRequest>(r.decide(moved, kNow)).reason.find("uri") != std::string::npos);
  // No qop.
  std::string no_qop = "Digest username=\"alice\", realm=\"p2p.example.com\", nonce=\"" + nonce +
                       "\", uri=\"sip:p2p.example.com\", response=\"00\"";
  as<BadRequest>(r.decide(facts("alice@p2p.example.com", {no_qop}), kNow));
  // Contacts that are not SIP URIs.
  for (const char* contact : {"http://x", "sip:", "sip:a b@c", "<sip:a@b>"}) {
    CAPTURE(contact);
    as<BadRequest>(r.decide(facts("alice@p2p.example.com", {good}, {{contact, {}}}), kNow));
  }
}

TEST_CASE("a malformed Authorization next to a good one for our realm is fine") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  as<Accepted>(r.decide(facts("alice@p2p.example.com",
                              {"Digest nonsense", authorization("alice", "alice-pw", nonce)}),
                        kNow));
}

TEST_CASE("expiry: per-contact parameter, Expires header, default, limits, removal") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  std::string auth = authorization("alice", "alice-pw", nonce);
  auto f = facts("alice@p2p.example.com", {auth},
                 {{"sip:a@192.0.2.1", {}}, {"sip:b@192.0.2.2", 120u}, {"sip:c@192.0.2.3", 0u},
                  {"sips:d@192.0.2.4", 99999u}});
  const auto& ok = as<Accepted>(r.decide(f, kNow));
  REQUIRE(ok.stores.size() == 3);
  CHECK(ok.stores[0].expires == 3600);  // default
  CHECK(ok.stores[1].expires == 120);
  CHECK(ok.stores[2].expires == 7200);  // shortened to max_expires
  REQUIRE(ok.removes.size() == 1);
  CHECK(ok.removes[0].contact == "sip:c@192.0.2.3");

  f.contacts = {{"sip:a@192.0.2.1", {}}};
  f.expires = 30;
  CHECK(as<IntervalTooBrief>(r.decide(f, kNow)).min_expires == 60);
  f.expires = 0;
  CHECK(as<Accepted>(r.decide(f, kNow)).removes.size() == 1);

  f.contacts.assign(11, ContactFact{"sip:x@192.0.2.9", {}});
  as<BadRequest>(r.decide(f, kNow));
}

TEST_CASE("Contact: * with Expires: 0 removes everything; otherwise 400; no Contact is a query") {
  Registrar r = make_registrar();
  std::string nonce = nonce_of(r.challenge(kNow, false));
  auto f = facts("alice@p2p.example.com", {authorization("alice", "alice-pw", nonce)}, {});
  const auto& query = as<Accepted>(r.decide(f, kNow));
  CHECK(query.stores.empty());
  CHECK(query.removes.empty());

  f.wildcard = true;
  as<BadRequest>(r.decide(f, kNow));  // no Expires: 0
  f.expires = 0;
  const auto& all = as<Accepted>(r.decide(f, kNow));
  REQUIRE(all.removes.size() == 1);
  CHECK(all.removes[0].contact == "*");
  f.contacts = {{"sip:a@192.0.2.1", {}}};
  as<BadRequest>(r.decide(f, kNow));  // * with another Contact
}

TEST_CASE("policy_from takes realm, domain and aliases from the gateway config") {
  p2psip::config::GatewayConfig c;
  c.realm = "Phones";
  c.domain = "p2p.example.com";
  c.aliases = {"a.example", "b.example"};
  RegistrarPolicy p = policy_from(c);
  CHECK(p.realm == "Phones");
  CHECK(p.domains == std::vector<std::string>{"p2p.example.com", "a.example", "b.example"});
  CHECK(p.default_expires == 3600);
}

TEST_CASE("with a NonceCounter, a replayed nonce-count is challenged again") {
  Registrar r = make_registrar();
  NonceCounter counts(Millis{300'000});
  std::string nonce = nonce_of(r.challenge(kNow, false));
  auto first = facts("alice@p2p.example.com", {authorization("alice", "alice-pw", nonce)});
  as<Accepted>(r.decide(first, kNow, counts));
  const auto replay = as<Challenge>(r.decide(first, kNow, counts));
  CHECK_FALSE(replay.failed_attempt);
  as<Accepted>(r.decide(first, kNow));  // without the counter nothing is remembered
  auto next = facts("alice@p2p.example.com",
                    {authorization("alice", "alice-pw", nonce, DigestAlgorithm::kSha256, kRuri,
                                   "00000002")});
  as<Accepted>(r.decide(next, kNow, counts));
  // A wrong password does not consume a nonce-count.
  auto wrong = facts("alice@p2p.example.com",
                     {authorization("alice", "bad", nonce, DigestAlgorithm::kSha256, kRuri,
                                    "00000003")});
  CHECK(as<Challenge>(r.decide(wrong, kNow, counts)).failed_attempt);
  CHECK(counts.size() == 1);
}

TEST_CASE("md5_first: MD5 offered first, SHA-256 second, both still accepted") {
  RegistrarPolicy policy;
  policy.realm = kRealm;
  policy.domains = {"p2p.example.com"};
  policy.md5_first = true;
  Registrar r(policy, {{"alice", "alice-pw"}}, NonceIssuer("test-secret", kRealm, Millis{300'000}));
  const auto& c = as<Challenge>(r.decide(facts("alice@p2p.example.com", {}), kNow));
  REQUIRE(c.www_authenticate.size() == 2);
  CHECK(c.www_authenticate[0].find("algorithm=MD5") != std::string::npos);
  CHECK(c.www_authenticate[1].find("algorithm=SHA-256") != std::string::npos);
  std::string nonce = nonce_of(c);
  for (DigestAlgorithm a : {DigestAlgorithm::kMd5, DigestAlgorithm::kSha256}) {
    CAPTURE(to_string(a));
    auto f = facts("alice@p2p.example.com", {authorization("alice", "alice-pw", nonce, a)});
    as<Accepted>(r.decide(f, kNow + Millis{1000}));
  }
  p2psip::config::GatewayConfig config;
  CHECK_FALSE(policy_from(config).md5_first);
  config.digest_md5_first = true;
  CHECK(policy_from(config).md5_first);
}
