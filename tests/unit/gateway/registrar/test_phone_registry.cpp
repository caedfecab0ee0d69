#include <doctest/doctest.h>

#include <string>

#include "gateway/registrar/authorization.h"
#include "gateway/registrar/phone_registry.h"

using namespace p2psip::registrar;
using p2psip::Millis;

namespace {

constexpr Millis kNow{10'000'000};
const char* kRealm = "p2p.example.com";
const char* kRuri = "sip:p2p.example.com";

PhoneRegistry make_registry() {
  RegistrarPolicy policy;
  policy.realm = kRealm;
  policy.domains = {"p2p.example.com", "alias.example"};
  return PhoneRegistry(Registrar(policy, {{"alice", "alice-pw"}},
                                 NonceIssuer("test-secret", kRealm, Millis{300'000})));
}

std::string nonce_of(const RegisterAnswer& a) {
  REQUIRE_FALSE(a.www_authenticate.empty());
  const std::string& v = a.www_authenticate[0];
  auto start = v.find("nonce=\"") + 7;
  return v.substr(start, v.find('"', start) - start);
}

std::string authorization(const std::string& password, const std::string& nonce) {
  std::string response = digest_response(DigestAlgorithm::kMd5, {"alice", kRealm, password, "REGISTER",
                                                                  kRuri, nonce, "00000001", "c0ffee", "auth"});
  return "Digest username=\"alice\", realm=" + quote(kRealm) + ", nonce=" + quote(nonce) +
         ", uri=" + quote(kRuri) + ", response=" + quote(response) +
         ", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c0ffee\"";
}

RegisterFacts facts(std::vector<std::string> auth, std::optional<std::uint32_t> expires = {}) {
  RegisterFacts f;
  f.aor = "alice@p2p.example.com";
  f.request_uri = kRuri;
  f.contacts = {{"sip:alice@192.0.2.7:5062", {}}};
  f.expires = expires;
  f.authorizations = std::move(auth);
  return f;
}

}  // namespace

TEST_CASE("right password: 200 with the binding; the phone is routable and a known sender") {
  PhoneRegistry r = make_registry();
  auto first = r.handle(facts({}), "192.0.2.7", kNow);
  CHECK(first.status == 401);
  CHECK(first.www_authenticate.size() == 2);
  auto ok = r.handle(facts({authorization("alice-pw", nonce_of(first))}, 600), "192.0.2.7", kNow);
  CHECK(ok.status == 200);
  CHECK(ok.contacts == std::vector<std::string>{"<sip:alice@192.0.2.7:5062>;expires=600"});
  CHECK(ok.aor == "alice@p2p.example.com");
  CHECK(r.contacts("alice@p2p.example.com", kNow) == std::vector<std::string>{"sip:alice@192.0.2.7:5062"});
  CHECK(r.known_source("192.0.2.7", kNow));
  CHECK_FALSE(r.known_source("192.0.2.8", kNow));
  CHECK(r.bindings() == 1);
  REQUIRE(r.next_expiry());
  CHECK(*r.next_expiry() == kNow + Millis{600'000});
  // Expiry drops the binding and the trust.
  auto gone = r.expire(kNow + Millis{600'000});
  CHECK(gone.size() == 1);
  CHECK(r.contacts("alice@p2p.example.com", kNow + Millis{600'000}).empty());
  CHECK_FALSE(r.known_source("192.0.2.7", kNow + Millis{600'000}));
}

TEST_CASE("un-REGISTER (Expires: 0) removes the binding") {
  PhoneRegistry r = make_registry();
  auto nonce = nonce_of(r.handle(facts({}), "192.0.2.7", kNow));
  CHECK(r.handle(facts({authorization("alice-pw", nonce)}), "192.0.2.7", kNow).status == 200);
  // A later nonce (a nonce-count is never accepted twice for the same nonce).
  const Millis later = kNow + Millis{1'000};
  auto nonce2 = nonce_of(r.handle(facts({}), "192.0.2.7", later));
  auto removed = r.handle(facts({authorization("alice-pw", nonce2)}, 0), "192.0.2.7", later);
  CHECK(removed.status == 200);
  CHECK(removed.contacts.empty());
  CHECK(r.contacts("alice@p2p.example.com", later).empty());
  CHECK_FALSE(r.known_source("192.0.2.7", later));
}

TEST_CASE("overlay_binding: the contact that lasts longest, for its seconds left; none when gone") {
  PhoneRegistry r = make_registry();
  const char* aor = "alice@p2p.example.com";
  CHECK_FALSE(r.overlay_binding(aor, kNow));
  auto nonce = nonce_of(r.handle(facts({}), "192.0.2.7", kNow));
  auto two = facts({authorization("alice-pw", nonce)}, 600);
  two.contacts = {{"sip:alice@192.0.2.7:5062", {}}, {"sip:alice@192.0.2.9:5062", 3600}};
  REQUIRE(r.handle(two, "192.0.2.7", kNow).status == 200);
  CHECK(r.overlay_binding(aor, kNow + Millis{500}) ==
        OverlayBinding{"sip:alice@192.0.2.9:5062", 3600});
  CHECK(r.overlay_binding(aor, kNow + Millis{3'000'000}) ==
        OverlayBinding{"sip:alice@192.0.2.9:5062", 600});
  CHECK_FALSE(r.overlay_binding(aor, kNow + Millis{3'600'000}));
}

TEST_CASE("two gateways with one nonce secret: nonces are timed by the shared wall clock") {
  // Their monotonic clocks have nothing in common (other hosts, other boot times).
  constexpr Millis kWall{1'700'000'000'000};
  PhoneRegistry a = make_registry();
  PhoneRegistry b = make_registry();
  auto challenge = a.handle(facts({}), "192.0.2.7", Millis{5'000}, kWall);
  REQUIRE(challenge.status == 401);
  auto ok = b.handle(facts({authorization("alice-pw", nonce_of(challenge))}, 600), "192.0.2.7",
                     Millis{90'000'000}, kWall + Millis{1'000});
  CHECK(ok.status == 200);
  CHECK(b.contacts("alice@p2p.example.com", Millis{90'000'000}).size() == 1);
}

TEST_CASE("wrong password: 401 twice, then 403 on the third failure; nothing stored") {
  PhoneRegistry r = make_registry();
  auto nonce = nonce_of(r.handle(facts({}), "192.0.2.7", kNow));
  auto a1 = r.handle(facts({authorization("wrong", nonce)}), "192.0.2.7", kNow);
  CHECK(a1.status == 401);
  auto a2 = r.handle(facts({authorization("wrong", nonce_of(a1))}), "192.0.2.7", kNow);
  CHECK(a2.status == 401);
  auto a3 = r.handle(facts({authorization("wrong", nonce_of(a2))}), "192.0.2.7", kNow);
  CHECK(a3.status == 403);
  CHECK(r.bindings() == 0);
  // Blocked for this AoR and source, even with the right password; another source is not.
  auto nonce4 = nonce_of(r.handle(facts({}), "192.0.2.9", kNow));
  CHECK(r.handle(facts({authorization("alice-pw", nonce4)}), "192.0.2.7", kNow).status == 403);
  CHECK(r.handle(facts({authorization("alice-pw", nonce4)}), "192.0.2.9", kNow).status == 200);
}

TEST_CASE("other answers: 423 below Min-Expires, 403 for another domain, 400 for junk") {
  PhoneRegistry r = make_registry();
  auto nonce = nonce_of(r.handle(facts({}), "192.0.2.7", kNow));
  auto brief = r.handle(facts({authorization("alice-pw", nonce)}, 5), "192.0.2.7", kNow);
  CHECK(brief.status == 423);
  CHECK(brief.min_expires == 60);
  RegisterFacts other = facts({});
  other.aor = "alice@elsewhere.example";
  CHECK(r.handle(other, "192.0.2.7", kNow).status == 403);
  CHECK(r.handle(facts({"Digest garbage"}), "192.0.2.7", kNow).status == 400);
  CHECK(r.bindings() == 0);
}

TEST_CASE("the limit follows the credentials' username: rotating To gives no more guesses") {
  PhoneRegistry r = make_registry();
  auto nonce = nonce_of(r.handle(facts({}), "192.0.2.7", kNow));
  auto with_to = [&](const std::string& to_user, const std::string& password) {
    RegisterFacts f = facts({authorization(password, nonce)});
    f.aor = to_user + "@p2p.example.com";
    return r.handle(f, "192.0.2.7", kNow);
  };
  // alice's credentials under another To: refused before the password is looked at, the same
  // answer for the right and a wrong password, and not counted.
  for (int i = 0; i < 5; ++i) {
    auto right = with_to("bob" + std::to_string(i), "alice-pw");
    auto wrong = with_to("bob" + std::to_string(i), "guess");
    CHECK(right.status == 403);
    CHECK(wrong.status == 403);
    CHECK(right.reason == wrong.reason);
  }
  // alice's own AoR in the domain and in its alias are one user: one count.
  auto in_alias = [&](const std::string& password) {
    RegisterFacts f = facts({authorization(password, nonce)});
    f.aor = "alice@alias.example";
    return r.handle(f, "192.0.2.7", kNow);
  };
  CHECK(with_to("alice", "guess-1").status == 401);
  CHECK(in_alias("guess-2").status == 401);
  CHECK(with_to("alice", "guess-3").status == 403);  // the third failure locks
  CHECK(in_alias("alice-pw").status == 403);
  // Locked: the right password and a wrong one get the same answer, under any To.
  for (const char* to : {"alice", "carol"}) {
    auto right = with_to(to, "alice-pw");
    auto wrong = with_to(to, "guess-4");
    CHECK(right.status == 403);
    CHECK(right.status == wrong.status);
    CHECK(right.phrase == wrong.phrase);
    CHECK(right.reason == wrong.reason);
    CHECK(right.www_authenticate == wrong.www_authenticate);
  }
  CHECK(r.bindings() == 0);
  // Another source is not locked out.
  CHECK(r.handle(facts({authorization("alice-pw", nonce)}), "192.0.2.9", kNow).status == 200);
}

TEST_CASE("replace_phones: a removed user's bindings go at once, a new user registers, a kept one stays") {
  RegistrarPolicy policy;
  policy.realm = kRealm;
  policy.domains = {"p2p.example.com"};
  PhoneRegistry r(Registrar(policy, {{"alice", "alice-pw"}, {"bob", "bob-pw"}},
                            NonceIssuer("test-secret", kRealm, Millis{300'000})));
  auto nonce = nonce_of(r.handle(facts({}), "192.0.2.7", kNow));
  REQUIRE(r.handle(facts({authorization("alice-pw", nonce)}, 600), "192.0.2.7", kNow).status == 200);
  REQUIRE(r.contacts("alice@p2p.example.com", kNow).size() == 1);

  // alice out, bob's password changed, carol in: alice's binding and trust go now.
  auto gone = r.replace_phones({{"bob", "bob-new"}, {"carol", "carol-pw"}});
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].aor == "alice@p2p.example.com");
  CHECK(gone[0].contact == "sip:alice@192.0.2.7:5062");
  CHECK(r.contacts("alice@p2p.example.com", kNow).empty());
  CHECK_FALSE(r.known_source("192.0.2.7", kNow));
  CHECK(r.bindings() == 0);
  CHECK(r.phones().count("carol") == 1);
  // alice's right (old) password no longer registers her.
  auto again = nonce_of(r.handle(facts({}), "192.0.2.7", kNow));
  CHECK(r.handle(facts({authorization("alice-pw", again)}, 600), "192.0.2.7", kNow).status == 401);
}

TEST_CASE("replace_phones: a changed password keeps the binding and counts from the next REGISTER") {
  PhoneRegistry r = make_registry();
  auto nonce = nonce_of(r.handle(facts({}), "192.0.2.7", kNow));
  REQUIRE(r.handle(facts({authorization("alice-pw", nonce)}, 600), "192.0.2.7", kNow).status == 200);
  CHECK(r.replace_phones({{"alice", "alice-new"}}).empty());
  CHECK(r.contacts("alice@p2p.example.com", kNow).size() == 1);
  CHECK(r.known_source("192.0.2.7", kNow));
  auto n1 = nonce_of(r.handle(facts({}), "192.0.2.7", kNow + Millis{1}));
  CHECK(r.handle(facts({authorization("alice-pw", n1)}, 600), "192.0.2.7", kNow + Millis{1}).status == 401);
  auto n2 = nonce_of(r.handle(facts({}), "192.0.2.7", kNow + Millis{2}));
  CHECK(r.handle(facts({authorization("alice-new", n2)}, 600), "192.0.2.7", kNow + Millis{2}).status == 200);
}
