#include "overlay/enroll/node_id_store.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "overlay/security/ca.h"

namespace p2psip::enroll {

namespace sec = p2psip::security;

TEST_CASE("node-id store: render then parse round trip, and a file survives a save/load") {
  NodeIdMap map{{"alice", {sec::parse_node_id_hex("00112233445566778899aabbccddeeff").value()}},
                {"bob", {sec::random_node_id().value(), sec::random_node_id().value()}}};
  auto back = parse_node_id_map(render_node_id_map(map));
  REQUIRE(back);
  CHECK(*back == map);
  auto dir = std::filesystem::temp_directory_path() / ("enroll-store-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = node_id_store_path(dir);
  CHECK(load_node_id_map(path).value().empty());
  REQUIRE(save_node_id_map(path, map));
  CHECK(load_node_id_map(path).value() == map);
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::group_read) == std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

TEST_CASE("node-id store: malformed lines are errors") {
  CHECK_FALSE(parse_node_id_map("alice\n"));
  CHECK_FALSE(parse_node_id_map("alice 0011\n"));
  CHECK_FALSE(parse_node_id_map("alice 00112233445566778899aabbccddeeff,\n"));
  CHECK_FALSE(parse_node_id_map("a 00112233445566778899aabbccddeeff\na 00112233445566778899aabbccddeeff\n"));
}

}  // namespace p2psip::enroll
