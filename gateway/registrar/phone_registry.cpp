#include "gateway/registrar/phone_registry.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "common/text.h"

namespace p2psip::registrar {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The failed-attempt key: the source address and the username whose password is checked
// (the credentials', not To's: To may change with every guess). A long username is kept as its
// hash, so the table stays small; a collision only merges keys of the same source.
std::string limit_key(std::string_view user, std::string_view ip) {
  constexpr std::size_t kMaxKeptUser = 64;
  std::string key = std::string(ip) + "|";
  if (user.size() <= kMaxKeptUser) return key + std::string(user);
  return key + "#" + std::to_string(std::hash<std::string_view>{}(user));
}

RegisterAnswer answer(int status, std::string phrase, std::string reason = {}) {
  RegisterAnswer a;
  a.status = status;
  a.phrase = std::move(phrase);
  a.reason = std::move(reason);
  return a;
}

}  // namespace

PhoneRegistry::PhoneRegistry(Registrar registrar, FailedAttempts limits)
    : registrar_(std::move(registrar)), limits_(std::move(limits)), counts_(Millis{300'000}) {}

RegisterAnswer PhoneRegistry::handle(const RegisterFacts& facts, const std::string& source_ip,
                                     Millis now, Millis nonce_now) {
  // Without credentials for our realm no password is checked: nothing to count or refuse.
  // While a key is blocked every answer is the same 403, right password or not.
  auto user = registrar_.credential_user(facts);
  std::string key = user ? limit_key(*user, source_ip) : std::string();
  if (user && limits_.blocked(key, now)) return answer(403, "Forbidden", "too many failed attempts");
  Decision d = registrar_.decide(facts, nonce_now, counts_);
  return std::visit(
      Overloaded{
          [&](const Challenge& c) {
            if (c.failed_attempt && user && limits_.fail(key, now)) {
              return answer(403, "Forbidden", "too many failed attempts");
            }
            RegisterAnswer a = answer(401, "Unauthorized");
            a.www_authenticate = c.www_authenticate;
            return a;
          },
          [&](const Forbidden& f) { return answer(403, "Forbidden", f.reason); },
          [&](const BadRequest& b) { return answer(400, "Bad Request", b.reason); },
          [&](const IntervalTooBrief& i) {
            RegisterAnswer a = answer(423, "Interval Too Brief");
            a.min_expires = i.min_expires;
            return a;
          },
          [&](const Accepted& acc) {
            if (user) limits_.succeeded(key);
            return accept(acc, source_ip, now);
          }},
      d);
}

RegisterAnswer PhoneRegistry::accept(const Accepted& accepted, const std::string& source_ip,
                                     Millis now) {
  table_.apply(accepted, now);
  if (!accepted.stores.empty()) sources_[accepted.aor] = source_ip;
  forget_if_empty(accepted.aor, now);
  RegisterAnswer a = answer(200, "OK");
  a.aor = accepted.aor;
  for (const Binding& b : table_.lookup(accepted.aor, now)) {
    a.contacts.push_back("<" + b.contact + ">;expires=" + std::to_string(b.seconds_left(now)));
  }
  return a;
}

void PhoneRegistry::forget_if_empty(const std::string& aor, Millis now) {
  if (table_.lookup(aor, now).empty()) sources_.erase(aor);
}

std::vector<std::string> PhoneRegistry::contacts(std::string_view aor, Millis now) const {
  std::vector<std::string> out;
  for (const Binding& b : table_.lookup(aor, now)) out.push_back(b.contact);
  return out;
}

std::optional<OverlayBinding> PhoneRegistry::overlay_binding(std::string_view aor,
                                                             Millis now) const {
  auto list = table_.lookup(aor, now);  // soonest expiry first
  if (list.empty()) return std::nullopt;
  return OverlayBinding{list.back().contact, list.back().seconds_left(now)};
}

bool PhoneRegistry::known_source(std::string_view ip, Millis now) const {
  return std::any_of(sources_.begin(), sources_.end(), [&](const auto& entry) {
    return entry.second == ip && !table_.lookup(entry.first, now).empty();
  });
}

std::vector<Expired> PhoneRegistry::replace_phones(config::PhoneBook phones) {
  registrar_.set_phones(std::move(phones));
  const config::PhoneBook& book = registrar_.phones();
  auto gone = table_.drop([&book](const std::string& aor) {
    return book.find(aor.substr(0, aor.find('@'))) == book.end();
  });
  for (const Expired& e : gone) sources_.erase(e.aor);
  return gone;
}

std::vector<Expired> PhoneRegistry::expire(Millis now) {
  auto gone = table_.expire(now);
  for (const Expired& e : gone) forget_if_empty(e.aor, now);
  return gone;
}

}  // namespace p2psip::registrar
