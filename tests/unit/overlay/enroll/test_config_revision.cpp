// The enrollment server's bad-node file and the sequence each document version gets.
#include <doctest/doctest.h>

#include "overlay/enroll/config_revision.h"

namespace p2psip::enroll {
namespace {

namespace sec = p2psip::security;

TEST_CASE("the bad-node file: one Node-ID a line, comments and blanks skipped, errors name the line") {
  auto ids = parse_bad_nodes("# revoked\n\n00112233445566778899aabbccddeeff  # alice's laptop\n"
                             "  ffeeddccbbaa99887766554433221100\r\n00112233445566778899aabbccddeeff\n");
  REQUIRE(ids.has_value());
  REQUIRE(ids->size() == 2);
  CHECK(sec::node_id_hex((*ids)[0]) == "00112233445566778899aabbccddeeff");
  CHECK(sec::node_id_hex((*ids)[1]) == "ffeeddccbbaa99887766554433221100");
  auto bad = parse_bad_nodes("00112233445566778899aabbccddeeff\nnot-a-node\n");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().find("line 2") != std::string::npos);
  CHECK(parse_bad_nodes("")->empty());
}

TEST_CASE("a changed document takes the next sequence; the same content keeps it") {
  auto a = *sec::parse_node_id_hex("00112233445566778899aabbccddeeff");
  auto b = *sec::parse_node_id_hex("ffeeddccbbaa99887766554433221100");
  std::string none = content_digest({"127.0.0.1 6084"}, {});
  std::string ab = content_digest({"127.0.0.1 6084"}, {a, b});
  CHECK(ab == content_digest({"127.0.0.1 6084"}, {b, a}));  // order does not matter
  CHECK(ab != none);
  CHECK(choose_sequence(std::nullopt, 1, none) == 1);              // first start: --sequence
  CHECK(choose_sequence(ConfigRevision{4, none}, 1, none) == 4);   // restart, same content
  CHECK(choose_sequence(ConfigRevision{4, none}, 1, ab) == 5);     // a bad node added
  CHECK(choose_sequence(ConfigRevision{4, none}, 9, ab) == 9);     // --sequence is newer
  CHECK(choose_sequence(ConfigRevision{65534, none}, 1, ab) == 1);  // wraps past 0
}

}  // namespace
}  // namespace p2psip::enroll
