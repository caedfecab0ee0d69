// RegistrationKeeper: when stores, refreshes, retries and removals fall due.
#include <doctest/doctest.h>

#include "overlay/usage/registration_keeper.h"

namespace p2psip::usage {

namespace {
const auto kUri = wire::SipRegistration::make_uri("sip:alice@192.0.2.1");
Millis ms(std::int64_t v) { return Millis{v}; }
}  // namespace

TEST_CASE("a new registration is stored at once and refreshed at 2/3 of its lifetime") {
  RegistrationKeeper k;
  CHECK_FALSE(k.next_deadline());
  REQUIRE(k.add("sip:alice@P2P.example.com", kUri, 600, ms(1000)));
  CHECK(k.next_deadline() == ms(1000));
  auto tasks = k.due(ms(1000));
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].op == KeeperTask::Op::kStore);
  CHECK(tasks[0].aor == "alice@p2p.example.com");
  CHECK(tasks[0].lifetime_s == 600);
  CHECK(k.due(ms(1000)).empty());  // in flight: not issued twice
  CHECK_FALSE(k.next_deadline());
  k.on_result(tasks[0].token, true, ms(1500));
  CHECK(k.next_deadline() == ms(1500 + 400'000));
  CHECK(k.counts().stored == 1);
  CHECK(k.due(ms(400'000)).empty());
  CHECK(k.due(ms(401'500)).size() == 1);
}

TEST_CASE("failed stores are retried with a doubling delay; stale results are ignored") {
  RegistrationKeeper k(KeeperConfig{2.0 / 3.0, ms(1000), ms(3000), ms(500)});
  REQUIRE(k.add("alice@p2p.example.com", kUri, 60, ms(0)));
  auto t1 = k.due(ms(0)).at(0);
  k.on_result(t1.token, false, ms(10));
  CHECK(k.next_deadline() == ms(1010));
  auto t2 = k.due(ms(1010)).at(0);
  k.on_result(t1.token, true, ms(1020));  // stale token: nothing changes
  CHECK(k.counts().in_flight == 1);
  k.on_result(t2.token, false, ms(1020));
  CHECK(k.next_deadline() == ms(3020));
  auto t3 = k.due(ms(3020)).at(0);
  k.on_result(t3.token, false, ms(3020));
  CHECK(k.next_deadline() == ms(6020));  // capped at max_retry_delay
  auto t4 = k.due(ms(6020)).at(0);
  k.on_result(t4.token, true, ms(6020));
  CHECK(k.next_deadline() == ms(6020 + 40'000));
}

TEST_CASE("a ring change re-stores after ring_settle, also after an in-flight store") {
  RegistrationKeeper k(KeeperConfig{2.0 / 3.0, ms(1000), ms(3000), ms(500)});
  REQUIRE(k.add("alice@p2p.example.com", kUri, 3600, ms(0)));
  REQUIRE(k.add("bob@p2p.example.com", kUri, 3600, ms(0)));
  auto tasks = k.due(ms(0));
  REQUIRE(tasks.size() == 2);
  k.on_result(tasks[0].token, true, ms(10));
  k.ring_changed(ms(20));
  CHECK(k.next_deadline() == ms(520));
  k.on_result(tasks[1].token, true, ms(30));  // finished during the change: goes again now
  CHECK(k.next_deadline() == ms(30));
  CHECK(k.due(ms(30)).size() == 1);
  CHECK(k.due(ms(520)).size() == 1);
}

TEST_CASE("remove and shutdown produce removals and forget the entries") {
  RegistrationKeeper k;
  CHECK_FALSE(k.add("not an aor", kUri, 60, ms(0)));
  CHECK_FALSE(k.add("a@b", kUri, 0, ms(0)));
  REQUIRE(k.add("alice@p2p.example.com", kUri, 60, ms(0)));
  REQUIRE(k.add("bob@p2p.example.com", kUri, 60, ms(0)));
  auto r = k.remove("sip:alice@p2p.example.com");
  REQUIRE(r);
  CHECK(r->op == KeeperTask::Op::kRemove);
  CHECK(r->lifetime_s == 60);
  CHECK_FALSE(k.remove("alice@p2p.example.com"));
  auto all = k.shutdown();
  REQUIRE(all.size() == 1);
  CHECK(all[0].aor == "bob@p2p.example.com");
  CHECK(k.counts().registrations == 0);
  CHECK_FALSE(k.next_deadline());
}

}  // namespace p2psip::usage

namespace p2psip::usage {

TEST_CASE("counts list the kept AoRs and whether each is stored, at most kMaxListedAors") {
  RegistrationKeeper k;
  REQUIRE(k.add("bob@p2p.example.com", kUri, 600, Millis{0}));
  REQUIRE(k.add("alice@p2p.example.com", kUri, 600, Millis{0}));
  auto tasks = k.due(Millis{0});
  for (const auto& t : tasks) k.on_result(t.token, t.aor == "alice@p2p.example.com", Millis{1});
  using Listed = std::vector<std::pair<std::string, bool>>;
  CHECK(k.counts().aors == Listed{{"alice@p2p.example.com", true}, {"bob@p2p.example.com", false}});
  for (std::size_t i = 0; i < KeeperCounts::kMaxListedAors + 5; ++i) {
    REQUIRE(k.add("u" + std::to_string(i) + "@p2p.example.com", kUri, 600, Millis{0}));
  }
  CHECK(k.counts().aors.size() == KeeperCounts::kMaxListedAors);
  CHECK(k.counts().registrations == KeeperCounts::kMaxListedAors + 7);
}

TEST_CASE("store_again (a renewed registrant): at once, or right after the store in flight") {
  RegistrationKeeper k;
  REQUIRE(k.add("alice@p2p.example.com", kUri, 600, ms(0)));
  auto t1 = k.due(ms(0)).at(0);
  CHECK(k.store_again("alice@p2p.example.com", ms(10)));
  CHECK(k.due(ms(10)).empty());  // one store at a time
  k.on_result(t1.token, true, ms(20));
  CHECK(k.next_deadline() == ms(20));  // the renewed signature follows at once
  auto t2 = k.due(ms(20)).at(0);
  k.on_result(t2.token, true, ms(30));
  CHECK(k.next_deadline() == ms(30 + 400'000));
  CHECK(k.store_again("sip:alice@P2P.example.com", ms(100)));
  CHECK(k.next_deadline() == ms(100));
  CHECK(k.counts().stored == 1);  // the old signature stays valid meanwhile
  CHECK_FALSE(k.store_again("bob@p2p.example.com", ms(100)));
}

}  // namespace p2psip::usage
