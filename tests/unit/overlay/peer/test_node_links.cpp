// Node::linked_to: which source addresses are overlay peers of this node right now. Real
// Nodes on loopback; a peer listening on 127.0.0.2 also connects from there (LinkManager
// binds outgoing links to a specific listen address), so the other node sees 127.0.0.2.
#include <doctest/doctest.h>

#include "node_test_support.h"

using namespace p2psip;
using namespace p2psip::link::test;

namespace {

std::unique_ptr<peer::Node> make_node(Loop& loop, const Clock& clock, unsigned char fill,
                                      std::string listen_ip,
                                      std::vector<wire::IpAddressPort> bootstrap) {
  peer::NodeConfig cfg;
  cfg.listen_ip = std::move(listen_ip);
  cfg.bootstrap = std::move(bootstrap);
  return start_node(loop, clock, fill, std::move(cfg));
}

}  // namespace

TEST_CASE("Node::linked_to: a joined peer's address while its link is up, not before or after") {
  Loop loop;
  SystemClock clock;
  auto a = make_node(loop, clock, 0x40, "127.0.0.1", {});
  CHECK_FALSE(a->linked_to("127.0.0.2"));
  auto a_addr = *peer::make_address("127.0.0.1", a->snapshot().listen_port);
  auto b = make_node(loop, clock, 0x80, "127.0.0.2", {a_addr});
  REQUIRE(loop.run_until([&] { return b->state() == peer::PeerState::kJoined; }));
  REQUIRE(loop.run_until([&] { return a->linked_to("127.0.0.2"); }));
  CHECK(b->linked_to("127.0.0.1"));
  CHECK_FALSE(a->linked_to("127.0.0.1"));  // a's own address: no link comes from there
  CHECK_FALSE(a->linked_to("127.0.0.3"));
  CHECK_FALSE(a->linked_to("not an address"));
  CHECK_FALSE(a->linked_to(""));

  bool left = false;
  b->leave(Millis{2000}, [&](bool) { left = true; });
  REQUIRE(loop.run_until([&] { return left; }));
  b.reset();
  CHECK(loop.run_until([&] { return !a->linked_to("127.0.0.2"); }));
}
