// ascii_lower: A-Z only, whatever the locale; other bytes (UTF-8 included) unchanged.
#include <doctest/doctest.h>

#include <string>

#include "common/text.h"

using p2psip::ascii_lower;

TEST_CASE("ascii_lower maps A-Z and nothing else") {
  CHECK(ascii_lower("P2P.Example.COM") == "p2p.example.com");
  CHECK(ascii_lower("SIP:alice@Host-1_x") == "sip:alice@host-1_x");
  CHECK(ascii_lower("") == "");
  CHECK(ascii_lower("@[\\]^`{") == "@[\\]^`{");  // the neighbours of A-Z and a-z stay
  CHECK(ascii_lower("\xC3\x84") == "\xC3\x84");  // a UTF-8 letter is not ASCII
  std::string with_nul("A\0B", 3);
  CHECK(ascii_lower(with_nul) == std::string("a\0b", 3));
}
