#include <doctest/doctest.h>

#include "gateway/sip/via_pin.h"

using p2psip::sip::via_edits;
using p2psip::sip::via_source;
using p2psip::sip::ViaSource;

TEST_CASE("received always names the source, even when sent-by already equals it") {
  auto e = via_edits(false, false, ViaSource{"192.0.2.7", 5060});
  REQUIRE(e);
  CHECK(e->received == "received=192.0.2.7");
  CHECK_FALSE(e->remove_maddr);
  CHECK_FALSE(e->rport);
}

TEST_CASE("maddr is removed; a present rport gets the source port, whatever value it had") {
  auto e = via_edits(true, true, ViaSource{"2001:db8::1", 40000});
  REQUIRE(e);
  CHECK(e->received == "received=2001:db8::1");
  CHECK(e->remove_maddr);
  CHECK(e->rport == "rport=40000");
}

TEST_CASE("no source address known: no edits") {
  CHECK_FALSE(via_edits(true, true, ViaSource{"", 5060}));
  CHECK_FALSE(via_edits(true, true, ViaSource{"192.0.2.1", 0}));
}

TEST_CASE("source text: IPv4-mapped becomes IPv4, unset addresses are none") {
  CHECK(via_source("::ffff:192.0.2.1", 5060)->ip == "192.0.2.1");
  CHECK(via_source("2001:db8::1", 5060)->ip == "2001:db8::1");
  CHECK_FALSE(via_source("0.0.0.0", 5060));
  CHECK_FALSE(via_source("::", 5060));
  CHECK_FALSE(via_source("192.0.2.1", 0));
}
