#include <doctest/doctest.h>

#include "gateway/sip/route_token.h"

using p2psip::sip::RouteToken;

namespace {

RouteToken::Key key(unsigned char fill) {
  RouteToken::Key k{};
  k.fill(fill);
  return k;
}

}  // namespace

TEST_CASE("a token is 32 hex digits, the same for the same dialog, different for another") {
  RouteToken t(key(1));
  auto a = t.make("call-1@host", "fromtag");
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(t.make("call-1@host", "fromtag") == a);
  CHECK(t.make("call-2@host", "fromtag") != a);
  CHECK(t.make("call-1@host", "othertag") != a);
  // Length-prefixed Call-ID: moving a character between Call-ID and tag changes the token.
  CHECK(t.make("call-1@hos", "tfromtag") != a);
}

TEST_CASE("a token is the first 16 bytes of HMAC-SHA256 over the documented input") {
  // Python: hmac.new(b"\x01" * 32, b"p2psip-rr-v1" + struct.pack(">I", 11) + b"call-1@host"
  //                  + b"fromtag", hashlib.sha256).hexdigest()[:32]
  CHECK(RouteToken(key(1)).make("call-1@host", "fromtag") == "9340935fea05b3a9b2c7816db2e69c31");
  // A copy shares the keyed context and gives the same tokens.
  RouteToken copy = RouteToken(key(1));
  RouteToken other = copy;
  CHECK(other.make("call-1@host", "fromtag") == copy.make("call-1@host", "fromtag"));
}

TEST_CASE("verify: the dialog's tags in either order (the callee's requests swap From and To)") {
  RouteToken t(key(2));
  auto token = t.make("c@h", "caller-tag");
  CHECK(t.verify(token, "c@h", "caller-tag", "callee-tag"));  // caller's in-dialog request
  CHECK(t.verify(token, "c@h", "callee-tag", "caller-tag"));  // callee's in-dialog request
  CHECK_FALSE(t.verify(token, "other@h", "caller-tag", "callee-tag"));
  CHECK_FALSE(t.verify(token, "c@h", "x", "y"));
  CHECK_FALSE(t.verify(token, "c@h", "", ""));
}

TEST_CASE("verify: another key, a forged or cut token, an empty tag never match") {
  RouteToken ours(key(3));
  RouteToken theirs(key(4));
  auto token = theirs.make("c@h", "t");
  CHECK_FALSE(ours.verify(token, "c@h", "t", "u"));
  CHECK_FALSE(ours.verify("00112233445566778899aabbccddeeff", "c@h", "t", "u"));
  auto good = ours.make("c@h", "t");
  CHECK(ours.verify(good, "c@h", "t", ""));
  CHECK_FALSE(ours.verify(good.substr(0, 31), "c@h", "t", ""));
  CHECK_FALSE(ours.verify(good + "0", "c@h", "t", ""));
  CHECK_FALSE(ours.verify("", "c@h", "t", ""));
  // A token over an empty From-tag (RFC 2543 caller) is never accepted for an empty tag.
  auto untagged = ours.make("c@h", "");
  CHECK_FALSE(ours.verify(untagged, "c@h", "", ""));
}

TEST_CASE("random keys differ") {
  CHECK(RouteToken::random().make("c@h", "t") != RouteToken::random().make("c@h", "t"));
}
