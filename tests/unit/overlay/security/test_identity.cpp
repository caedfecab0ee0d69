#include <doctest/doctest.h>

#include "overlay/security/identity.h"

using namespace p2psip::security;

TEST_CASE("Node-ID hex round trip, either case in, lowercase out") {
  auto id = parse_node_id_hex("00112233445566778899AABBCCDDEEFF");
  REQUIRE(id.has_value());
  CHECK(node_id_hex(*id) == "00112233445566778899aabbccddeeff");
  CHECK_FALSE(parse_node_id_hex("00112233445566778899aabbccddeef").has_value());    // 31
  CHECK_FALSE(parse_node_id_hex("00112233445566778899aabbccddeeff0").has_value());  // 33
  CHECK_FALSE(parse_node_id_hex("00112233445566778899aabbccddeefg").has_value());
  CHECK_FALSE(parse_node_id_hex("").has_value());
}

TEST_CASE("user and overlay names") {
  CHECK(is_valid_user_name("alice@p2p.example.com"));
  CHECK(is_valid_user_name("pstn+1@example.org"));
  CHECK_FALSE(is_valid_user_name("alice"));
  CHECK_FALSE(is_valid_user_name("@example.com"));
  CHECK_FALSE(is_valid_user_name("alice@"));
  CHECK_FALSE(is_valid_user_name("al ice@example.com"));
  CHECK_FALSE(is_valid_user_name("a@b@example.com"));
  CHECK_FALSE(is_valid_user_name(std::string("al\0ce@example.com", 17)));
  CHECK_FALSE(is_valid_user_name("alice@exa_mple.com"));
  CHECK(is_valid_overlay_name("p2p.example.com"));
  CHECK(is_valid_overlay_name("overlay"));
  CHECK_FALSE(is_valid_overlay_name("p2p..example.com"));
  CHECK_FALSE(is_valid_overlay_name(".example.com"));
  CHECK_FALSE(is_valid_overlay_name("example.com."));
  CHECK_FALSE(is_valid_overlay_name("-bad.example.com"));
  CHECK_FALSE(is_valid_overlay_name("a/b"));
  CHECK_FALSE(is_valid_overlay_name(std::string(64, 'a') + ".com"));
}

TEST_CASE("reload URI: written as a Destination List, read in both forms (RFC 6940 §14.15)") {
  auto id = *parse_node_id_hex("0123456789abcdef0123456789abcdef");
  std::string uri = reload_uri(id, "p2p.example.com");
  CHECK(uri == "reload://01100123456789abcdef0123456789abcdef@p2p.example.com/");
  auto parsed = parse_reload_uri(uri);
  REQUIRE(parsed.has_value());
  CHECK(parsed->node_id == id);
  CHECK(parsed->overlay == "p2p.example.com");

  auto bare = parse_reload_uri("reload://0123456789ABCDEF0123456789abcdef@p2p.example.com/");
  REQUIRE(bare.has_value());
  CHECK(bare->node_id == id);
  CHECK(parse_reload_uri("RELOAD://0123456789abcdef0123456789abcdef@o/").has_value());
}

TEST_CASE("reload URI: malformed forms are refused with a reason") {
  const char* bad[] = {
      "sip:alice@p2p.example.com",
      "reload://0123456789abcdef0123456789abcdef@p2p.example.com",      // no slash
      "reload://0123456789abcdef0123456789abcdef@p2p.example.com/0a",   // specifier
      "reload://0123456789abcdef0123456789abcde@p2p.example.com/",      // 31 digits
      "reload://02100123456789abcdef0123456789abcdef@p2p.example.com/", // resource type
      "reload://0110abcd@p2p.example.com/",
      "reload://@p2p.example.com/",
      "reload://0123456789abcdef0123456789abcdef@/",
      "reload://0123456789abcdef0123456789abcdef@bad_overlay/",
      "reload://0123456789abcdef0123456789abcdef",
      "reload://",
      "",
  };
  for (const char* uri : bad) {
    CAPTURE(uri);
    auto parsed = parse_reload_uri(uri);
    CHECK_FALSE(parsed.has_value());
    if (!parsed) CHECK_FALSE(parsed.error().empty());
  }
}
