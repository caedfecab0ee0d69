#include "gateway/registrar/phone_registry.h"

#include <algorithm>
#include <cctype>

#include "common/text.h"

namespace p2psip::registrar {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

std::string limit_key(std::string_view aor, std::string_view ip) {
  return ascii_lower(aor) + "|" + std::string(ip);
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
                                     Millis now) {
  std::string key = limit_key(facts.aor, source_ip);
  if (limits_.blocked(key, now)) return answer(403, "Forbidden", "too many failed attempts");
  Decision d = registrar_.decide(facts, now, counts_);
  return std::visit(
      Overloaded{
          [&](const Challenge& c) {
            if (c.failed_attempt && limits_.fail(key, now)) {
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
            limits_.succeeded(key);
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

bool PhoneRegistry::known_source(std::string_view ip, Millis now) const {
  return std::any_of(sources_.begin(), sources_.end(), [&](const auto& entry) {
    return entry.second == ip && !table_.lookup(entry.first, now).empty();
  });
}

std::vector<Expired> PhoneRegistry::expire(Millis now) {
  auto gone = table_.expire(now);
  for (const Expired& e : gone) forget_if_empty(e.aor, now);
  return gone;
}

}  // namespace p2psip::registrar
