// Incoming connections that have not authenticated (DESIGN.md §10): a handshake budget apart
// from verified links, a share per source address, a deadline from accept, a deadline for a
// started frame on a verified link.

#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "peer_fixture.h"

using namespace p2psip;
using namespace p2psip::link;
using namespace p2psip::link::test;

namespace {

std::uint64_t errors(const Peer& p, LinkError e) { return p.links->counters().errors_for(e); }

LinkConfig small_budget() {
  LinkConfig config = test_config();
  config.max_handshakes = 4;
  config.max_handshakes_per_source = 2;
  return config;
}

using Clients = std::vector<std::unique_ptr<RawClient>>;

std::size_t closed(const Clients& clients) {
  std::size_t n = 0;
  for (const auto& c : clients) n += c->closed_by_server() ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("link: idle connections from one address get their share, a peer still comes up") {
  Loop loop;
  Peer b(loop, 0x20, small_budget());
  std::uint16_t port = b.listen();
  Clients idle;
  for (int i = 0; i < 10; ++i) idle.push_back(std::make_unique<RawClient>(loop.get(), port, nullptr, "127.0.0.2"));
  REQUIRE(loop.run_until([&] { return errors(b, LinkError::kHandshakesPerSource) == 8; }));
  CHECK(loop.run_until([&] { return closed(idle) == 8; }));
  CHECK(b.links->handshakes() == 2);

  Peer a(loop, 0x10);  // from 127.0.0.1
  auto link = a.links->connect("127.0.0.1", port);
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.rec.is_up(*link) && b.rec.ups.size() == 1; }));
  CHECK(errors(b, LinkError::kHandshakeEvicted) == 0);  // there was room
  CHECK(b.links->verified_links() == 1);
}

TEST_CASE("link: when the handshake budget is full a newcomer evicts an idle handshake") {
  Loop loop;
  Peer b(loop, 0x20, small_budget());
  std::uint16_t port = b.listen();
  Clients idle;
  for (const char* source : {"127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"}) {
    idle.push_back(std::make_unique<RawClient>(loop.get(), port, nullptr, source));
    // One at a time, so that "oldest" is well defined.
    REQUIRE(loop.run_until([&] { return b.links->handshakes() == idle.size(); }));
  }
  Peer a(loop, 0x10);
  auto link = a.links->connect("127.0.0.1", port);
  REQUIRE(loop.run_until([&] { return a.rec.is_up(*link) && b.rec.ups.size() == 1; }));
  CHECK(errors(b, LinkError::kHandshakeEvicted) == 1);
  CHECK(loop.run_until([&] { return idle[0]->closed_by_server(); }));  // the oldest idle one
  CHECK(closed(idle) == 1);
  CHECK(b.links->handshakes() == 3);
}

TEST_CASE("link: verified links are capped and never evicted by handshakes") {
  Loop loop;
  LinkConfig config = small_budget();
  config.max_links = 1;
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();
  Peer a(loop, 0x10);
  auto link = a.links->connect("127.0.0.1", port);
  REQUIRE(loop.run_until([&] { return a.rec.is_up(*link) && b.rec.ups.size() == 1; }));

  Clients flood;
  for (int i = 0; i < 12; ++i) {
    std::string source = "127.0.0." + std::to_string(2 + i);
    flood.push_back(std::make_unique<RawClient>(loop.get(), port, nullptr, source.c_str()));
  }
  Peer c(loop, 0x30);
  auto refused = c.links->connect("127.0.0.1", port);
  REQUIRE(loop.run_until([&] { return c.rec.is_down(*refused); }));
  REQUIRE(loop.run_until([&] { return closed(flood) == flood.size(); }));
  CHECK(errors(b, LinkError::kTooManyLinks) == 13);  // refused at accept: verified links full
  CHECK(errors(b, LinkError::kHandshakeEvicted) == 0);
  CHECK(b.links->handshakes() == 0);
  REQUIRE(a.links->send(*link, pattern(100, 7)).has_value());
  REQUIRE(loop.run_until([&] { return b.rec.messages.size() == 1; }));
  CHECK(b.rec.downs.empty());
}

TEST_CASE("link: a handshake that completes once verified links are full is refused") {
  Loop loop;
  LinkConfig config = small_budget();
  config.max_links = 1;
  config.handshake_timeout = std::chrono::milliseconds(30'000);
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();
  auto creds = issue(overlay_ca(), 0x44);
  auto ctx = tls_context(creds, {overlay_ca().root()});
  RawClient slow(loop.get(), port, ctx.get());  // admitted while no link is up
  slow.trickle(std::chrono::milliseconds(1));
  REQUIRE(loop.run_until([&] { return b.links->handshakes() == 1; }));
  Peer a(loop, 0x10);
  auto link = a.links->connect("127.0.0.1", port);
  REQUIRE(loop.run_until([&] { return a.rec.is_up(*link) && b.rec.ups.size() == 1; }));
  REQUIRE(loop.run_until([&] { return errors(b, LinkError::kTooManyLinks) == 1; },
                         std::chrono::milliseconds(20'000)));
  CHECK(loop.run_until([&] { return slow.closed_by_server(); }));
  CHECK(b.rec.ups.size() == 1);
  CHECK(b.links->verified_links() == 1);
}

TEST_CASE("link: a verified link that frees its slot makes room again") {
  Loop loop;
  LinkConfig config = small_budget();
  config.max_links = 1;
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();
  {
    Peer a(loop, 0x10);
    auto link = a.links->connect("127.0.0.1", port);
    REQUIRE(loop.run_until([&] { return a.rec.is_up(*link) && b.rec.ups.size() == 1; }));
  }
  REQUIRE(loop.run_until([&] { return b.rec.downs.size() == 1; }));
  REQUIRE(loop.run_until([&] { return b.links->verified_links() == 0; }));
  Peer c(loop, 0x30);
  auto link = c.links->connect("127.0.0.1", port);
  REQUIRE(loop.run_until([&] { return c.rec.is_up(*link); }));
}

TEST_CASE("link: a handshake sent one byte at a time meets the deadline from accept") {
  Loop loop;
  LinkConfig config = test_config();
  config.handshake_timeout = std::chrono::milliseconds(300);
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();
  auto creds = issue(overlay_ca(), 0x44);
  auto ctx = tls_context(creds, {overlay_ca().root()});
  RawClient slow(loop.get(), port, ctx.get());
  slow.trickle(std::chrono::milliseconds(20));  // a byte every 20 ms: never idle for long
  REQUIRE(loop.run_until([&] { return errors(b, LinkError::kHandshakeTimeout) == 1; }));
  CHECK(slow.trickled() > 5);
  CHECK_FALSE(slow.handshake_done());
  CHECK(loop.run_until([&] { return slow.closed_by_server(); }));
  CHECK(b.rec.ups.empty());
  CHECK(b.links->handshakes() == 0);
}

TEST_CASE("link: a started frame must be completed in time on a verified link") {
  Loop loop;
  LinkConfig config = test_config();
  config.frame_timeout = std::chrono::milliseconds(200);
  config.idle_timeout = std::chrono::milliseconds(60'000);
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();
  auto creds = issue(overlay_ca(), 0x44);
  auto ctx = tls_context(creds, {overlay_ca().root()});
  RawClient raw(loop.get(), port, ctx.get());
  REQUIRE(loop.run_until([&] { return raw.handshake_done() && b.rec.ups.size() == 1; }));
  LinkId link = b.rec.ups[0].link;

  SUBCASE("a data frame header announcing more than arrives") {
    Bytes partial = {std::byte{128}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1},
                     std::byte{0}, std::byte{0}, std::byte{100}, std::byte{'x'}};
    raw.write(partial);
  }
  SUBCASE("half a TLS record") { raw.write_partial_record(pattern(50, 3), 20); }
  SUBCASE("a whole frame, then the start of the next") {
    Bytes frames = {std::byte{128}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1},
                    std::byte{0}, std::byte{0}, std::byte{1}, std::byte{'x'}, std::byte{128}};
    raw.write(frames);
    REQUIRE(loop.run_until([&] { return b.rec.messages.size() == 1; }));
  }
  REQUIRE(loop.run_until([&] { return b.rec.is_down(link); }));
  CHECK(b.rec.down_reason(link) == LinkError::kFrameTimeout);
  CHECK(errors(b, LinkError::kFrameTimeout) == 1);
  CHECK(loop.run_until([&] { return raw.closed_by_server(); }));
}

TEST_CASE("link: complete frames do not start the frame deadline") {
  Loop loop;
  LinkConfig config = test_config();
  config.frame_timeout = std::chrono::milliseconds(100);
  config.idle_timeout = std::chrono::milliseconds(60'000);
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();
  auto creds = issue(overlay_ca(), 0x44);
  auto ctx = tls_context(creds, {overlay_ca().root()});
  RawClient raw(loop.get(), port, ctx.get());
  REQUIRE(loop.run_until([&] { return raw.handshake_done() && b.rec.ups.size() == 1; }));
  Bytes frame = {std::byte{128}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1},
                 std::byte{0}, std::byte{0}, std::byte{1}, std::byte{'x'}};
  raw.write(frame);
  REQUIRE(loop.run_until([&] { return b.rec.messages.size() == 1; }));
  // Well past the frame deadline the link is still up (it sends keepalives we never ack,
  // but acks are not due within this test's time).
  bool down = loop.run_until([&] { return !b.rec.downs.empty(); }, std::chrono::milliseconds(500));
  CHECK_FALSE(down);
}
