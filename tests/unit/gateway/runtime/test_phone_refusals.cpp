// Phones refused by the enrollment server (phone_refusals.h): the backoff, when a refused phone
// is asked for again, and the file's text.
#include <doctest/doctest.h>

#include <filesystem>

#include "gateway/runtime/phone_refusals.h"

using namespace p2psip::runtime;
using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::sys_seconds;

TEST_CASE("phone refusals: the backoff doubles from 1 h up to 24 h") {
  CHECK(phone_retry_backoff(1) == hours(1));
  CHECK(phone_retry_backoff(2) == hours(2));
  CHECK(phone_retry_backoff(3) == hours(4));
  CHECK(phone_retry_backoff(5) == hours(16));
  CHECK(phone_retry_backoff(6) == hours(24));
  CHECK(phone_retry_backoff(1000) == hours(24));
}

TEST_CASE("phone refusals: asked again after the backoff, or at once when the entry changed") {
  const sys_seconds at{seconds{1'800'000'000}};
  std::string entry = phone_entry_digest("bob", "pw");
  PhoneRefusals refused{{"bob", PhoneRefusal{2, at, entry, "failed_authentication"}}};
  auto retry = phone_retry_at(refused, "bob", entry);
  REQUIRE(retry.has_value());
  CHECK(*retry == at + hours(2));
  CHECK_FALSE(phone_retry_at(refused, "bob", phone_entry_digest("bob", "new")).has_value());
  CHECK_FALSE(phone_retry_at(refused, "alice", phone_entry_digest("alice", "pw")).has_value());
  CHECK(phone_entry_digest("bob", "pw") != phone_entry_digest("bo", "bpw"));
  CHECK(entry.size() == 16);
}

TEST_CASE("phone refusals: the file's text round-trips, bad lines dropped") {
  PhoneRefusals r{{"bob", PhoneRefusal{3, sys_seconds{seconds{1'800'000'000}}, "0123456789abcdef", "failed_authentication"}},
                  {"carol", PhoneRefusal{1, sys_seconds{seconds{1'800'000'001}}, "fedcba9876543210", "bad_CSR"}}};
  CHECK(parse_phone_refusals(format_phone_refusals(r)) == r);
  auto partial = parse_phone_refusals("bob 0 1 ab x\nshort line\n" + format_phone_refusals(r));
  CHECK(partial == r);
  auto dir = std::filesystem::temp_directory_path() / "p2psip-unit-phone-refusals";
  std::filesystem::create_directories(dir);
  auto path = phone_refusals_path(dir);
  REQUIRE(save_phone_refusals(path, r));
  CHECK(load_phone_refusals(path) == r);
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  REQUIRE(save_phone_refusals(path, {}));
  CHECK_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}
