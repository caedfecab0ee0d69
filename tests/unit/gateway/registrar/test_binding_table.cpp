#include <doctest/doctest.h>

#include "gateway/registrar/binding_table.h"

using namespace p2psip::registrar;
using p2psip::Millis;

namespace {

Accepted store(const std::string& aor, std::vector<std::pair<std::string, std::uint32_t>> contacts,
               std::vector<std::string> removes = {}) {
  Accepted a{aor, {}, {}};
  for (auto& [c, e] : contacts) a.stores.push_back({aor, c, e});
  for (auto& c : removes) a.removes.push_back({aor, c});
  return a;
}

}  // namespace

TEST_CASE("bindings expire at their time, soonest first") {
  BindingTable t;
  CHECK_FALSE(t.next_expiry().has_value());
  t.apply(store("alice@d", {{"sip:a@1", 60}, {"sip:b@2", 30}}), Millis{0});
  t.apply(store("bob@d", {{"sip:c@3", 90}}), Millis{0});
  CHECK(t.size() == 3);
  auto alice = t.lookup("alice@d", Millis{0});
  REQUIRE(alice.size() == 2);
  CHECK(alice[0].contact == "sip:b@2");
  CHECK(alice[0].seconds_left(Millis{100}) == 30);  // 29.9 s rounds up
  CHECK(t.next_expiry() == Millis{30'000});

  CHECK(t.lookup("alice@d", Millis{30'000}).size() == 1);  // expired but not yet dropped
  auto gone = t.expire(Millis{30'000});
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].aor == "alice@d");
  CHECK(gone[0].contact == "sip:b@2");
  CHECK(t.size() == 2);
  CHECK(t.next_expiry() == Millis{60'000});
  CHECK(t.expire(Millis{90'000}).size() == 2);
  CHECK(t.size() == 0);
  CHECK(t.lookup("nobody@d", Millis{0}).empty());
}

TEST_CASE("re-registering a contact refreshes it; removal of one or all") {
  BindingTable t;
  t.apply(store("alice@d", {{"sip:a@1", 60}, {"sip:b@2", 60}}), Millis{0});
  t.apply(store("alice@d", {{"sip:a@1", 600}}), Millis{50'000});
  auto list = t.lookup("alice@d", Millis{70'000});
  REQUIRE(list.size() == 1);
  CHECK(list[0].expires_at == Millis{650'000});
  t.apply(store("alice@d", {}, {"sip:a@1"}), Millis{70'000});
  CHECK(t.lookup("alice@d", Millis{70'000}).empty());
  CHECK(t.size() == 1);  // sip:b@2 expired at 60 s, dropped only by expire()
  CHECK(t.expire(Millis{70'000}).size() == 1);
  CHECK(t.size() == 0);

  t.apply(store("alice@d", {{"sip:a@1", 60}, {"sip:b@2", 60}}), Millis{0});
  t.apply(store("alice@d", {}, {"*"}), Millis{1});
  CHECK(t.size() == 0);
  t.apply(store("alice@d", {}, {"sip:unknown@x"}), Millis{1});  // nothing to remove: fine
  CHECK(t.size() == 0);
}

TEST_CASE("max_per_aor drops the binding closest to expiry") {
  BindingTable t(2);
  t.apply(store("alice@d", {{"sip:a@1", 100}, {"sip:b@2", 50}}), Millis{0});
  auto dropped = t.apply(store("alice@d", {{"sip:c@3", 200}}), Millis{0});
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].contact == "sip:b@2");
  CHECK(t.size() == 2);
  CHECK(t.lookup("alice@d", Millis{0})[1].contact == "sip:c@3");
}

TEST_CASE("drop removes every binding of the AoRs named, expired ones too, and returns them") {
  BindingTable t;
  t.apply(store("alice@d", {{"sip:a@1", 60}, {"sip:b@2", 30}}), Millis{0});
  t.apply(store("bob@d", {{"sip:c@3", 90}}), Millis{0});
  auto gone = t.drop([](const std::string& aor) { return aor == "alice@d"; });
  CHECK(gone.size() == 2);
  CHECK(t.lookup("alice@d", Millis{0}).empty());
  CHECK(t.lookup("bob@d", Millis{0}).size() == 1);
  CHECK(t.size() == 1);
  CHECK(t.drop([](const std::string&) { return false; }).empty());
  // Past their expiry but not yet expire()d: dropped all the same.
  CHECK(t.drop([](const std::string& aor) { return aor == "bob@d"; }).size() == 1);
  CHECK(t.size() == 0);
}
