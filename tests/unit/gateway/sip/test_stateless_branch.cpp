#include "gateway/sip/stateless_branch.h"

#include <doctest/doctest.h>

using p2psip::sip::KeyedMac;
using p2psip::sip::StatelessBranch;

namespace {

KeyedMac::Key key(unsigned char fill) {
  KeyedMac::Key k{};
  k.fill(fill);
  return k;
}

const std::string kVia = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKup;rport=5060;received=192.0.2.1";

}  // namespace

TEST_CASE("stateless branch: RFC 3261's cookie, our prefix, 32 hex digits; the same for a retransmission") {
  StatelessBranch b(key(1));
  auto a = b.make(kVia, "call-1@host", 2, "BYE");
  CHECK(a.size() == StatelessBranch::kPrefix.size() + 32);
  CHECK(a.starts_with("z9hG4bK"));
  CHECK(StatelessBranch::has_prefix(a));
  CHECK(a.substr(StatelessBranch::kPrefix.size()).find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(b.make(kVia, "call-1@host", 2, "BYE") == a);  // §16.11: retransmissions alike
  // Unique per request: another upstream Via (its branch), Call-ID, CSeq or method differs.
  CHECK(b.make(kVia + "x", "call-1@host", 2, "BYE") != a);
  CHECK(b.make(kVia, "call-2@host", 2, "BYE") != a);
  CHECK(b.make(kVia, "call-1@host", 3, "BYE") != a);
  CHECK(b.make(kVia, "call-1@host", 2, "INFO") != a);
  CHECK(StatelessBranch(key(2)).make(kVia, "call-1@host", 2, "BYE") != a);
}

TEST_CASE("stateless branch: HMAC-SHA256 over the documented input") {
  // Python: hmac.new(b"\x01" * 32, b"p2psip-sl-v1" + struct.pack(">I", len(via)) + via +
  //   struct.pack(">I", 11) + b"call-1@host" + struct.pack(">I", 2) + b"BYE", sha256)
  //   .hexdigest()[:32]
  CHECK(StatelessBranch(key(1)).make(kVia, "call-1@host", 2, "BYE") ==
        "z9hG4bK-p2psl-88499f4887b855ce6dc89614cc18e636");
}

TEST_CASE("stateless branch: a response verifies only with the request's next Via, Call-ID and CSeq") {
  StatelessBranch b(key(1));
  auto branch = b.make(kVia, "call-1@host", 2, "BYE");
  CHECK(b.verify(branch, kVia, "call-1@host", 2, "BYE"));
  // A next Via rewritten downstream (towards a third party) or another request's fields.
  CHECK_FALSE(b.verify(branch, "SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKup;received=203.0.113.9",
                       "call-1@host", 2, "BYE"));
  CHECK_FALSE(b.verify(branch, kVia, "call-2@host", 2, "BYE"));
  CHECK_FALSE(b.verify(branch, kVia, "call-1@host", 3, "BYE"));
  CHECK_FALSE(b.verify(branch, kVia, "call-1@host", 2, "INVITE"));
  // Another key, a cut or altered token, a branch without our prefix.
  CHECK_FALSE(StatelessBranch(key(2)).verify(branch, kVia, "call-1@host", 2, "BYE"));
  CHECK_FALSE(b.verify(branch.substr(0, branch.size() - 1), kVia, "call-1@host", 2, "BYE"));
  std::string flipped = branch;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  CHECK_FALSE(b.verify(flipped, kVia, "call-1@host", 2, "BYE"));
  CHECK_FALSE(b.verify("z9hG4bKother", kVia, "call-1@host", 2, "BYE"));
  CHECK_FALSE(StatelessBranch::has_prefix("z9hG4bK-p2psl"));
}
