// phones_due / phones_check_interval (phone_renewal.h): which phone certificates the gateway
// renews while it runs, and when it looks again.
#include <doctest/doctest.h>

#include "gateway/runtime/phone_renewal.h"

using namespace p2psip;
using namespace p2psip::runtime;
using std::chrono::seconds;

namespace {

const SysSeconds kStart{seconds{1'800'000'000}};

PhoneCertificate cert(const std::string& aor, seconds lifetime) {
  return {aor, kStart, kStart + lifetime};
}

}  // namespace

TEST_CASE("phones_due: a phone is due once less than a third of its certificate's lifetime is left") {
  std::vector<PhoneCertificate> certs{cert("alice@example.org", seconds{300}),
                                      cert("bob@example.org", seconds{3000})};
  CHECK(phones_due(certs, kStart).empty());
  CHECK(phones_due(certs, kStart + seconds{200}).empty());  // exactly a third left: not yet
  CHECK(phones_due(certs, kStart + seconds{201}) == std::vector<std::string>{"alice@example.org"});
  CHECK(phones_due(certs, kStart + seconds{2001}) ==
        std::vector<std::string>{"alice@example.org", "bob@example.org"});
  // Expired, or not valid yet (a clock that went back): renewed too.
  CHECK(phones_due(certs, kStart - seconds{1}).size() == 2);
  CHECK(phones_due({}, kStart).empty());
}

TEST_CASE("phones_check_interval: the shortest-lived certificate sets the pace") {
  const Millis longest{6 * 3600 * 1000};
  CHECK(phones_check_interval({}, longest) == longest);
  CHECK(phones_check_interval({cert("a@x", seconds{320}), cert("b@x", seconds{32000})}, longest) == Millis{10000});
  CHECK(phones_check_interval({cert("a@x", seconds{3200000})}, Millis{60000}) == Millis{60000});
}
