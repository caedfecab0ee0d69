#include <doctest/doctest.h>

#include "peer_fixture.h"

using namespace p2psip;
using namespace p2psip::link;
using namespace p2psip::link::test;

namespace {

std::uint64_t errors(const Peer& p, LinkError e) { return p.links->counters().errors_for(e); }

Bytes bytes_of(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

}  // namespace

TEST_CASE("link: a peer whose certificate comes from another CA is refused and counted") {
  Loop loop;
  Peer b(loop, 0x20);
  std::uint16_t port = b.listen();

  SUBCASE("mallory trusts only her own root: she refuses us, we see a failed handshake") {
    Peer mallory(loop, 0x66, test_config(), foreign_ca(), {foreign_ca().root()});
    auto link = mallory.links->connect("127.0.0.1", port);
    REQUIRE(link.has_value());
    REQUIRE(loop.run_until([&] { return mallory.rec.is_down(*link); }));
    CHECK(mallory.rec.down_reason(*link) == LinkError::kBadCertificate);
    CHECK(mallory.rec.ups.empty());
    REQUIRE(loop.run_until([&] { return errors(b, LinkError::kHandshakeFailed) == 1; }));
  }
  SUBCASE("mallory trusts our root too: we refuse her certificate") {
    Peer mallory(loop, 0x66, test_config(), foreign_ca(),
                 {foreign_ca().root(), overlay_ca().root()});
    auto link = mallory.links->connect("127.0.0.1", port);
    REQUIRE(link.has_value());
    REQUIRE(loop.run_until([&] { return errors(b, LinkError::kBadCertificate) == 1; }));
    // TLS 1.3: her handshake finished before our alert arrived; she learns of it at once.
    REQUIRE(loop.run_until([&] { return mallory.rec.is_down(*link); }));
    CHECK(mallory.rec.down_reason(*link) == LinkError::kHandshakeFailed);
  }
  CHECK(b.rec.ups.empty());
  CHECK(b.rec.downs.empty());  // incoming links that never came up are only counted
  CHECK(b.links->links().empty());
}

TEST_CASE("link: an outgoing link to the wrong Node-ID is refused") {
  Loop loop;
  Peer a(loop, 0x10);
  Peer b(loop, 0x20);
  auto link = a.links->connect("127.0.0.1", b.listen(), node_id(0x30));
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.rec.is_down(*link); }));
  CHECK(a.rec.down_reason(*link) == LinkError::kNodeIdMismatch);
  CHECK(a.rec.downs[0].detail.find(node_id(0x30).hex()) != std::string::npos);
  CHECK(a.rec.ups.empty());
  CHECK(errors(a, LinkError::kNodeIdMismatch) == 1);
  CHECK_FALSE(a.links->send(*link, pattern(1, 0)).has_value());  // gone
}

TEST_CASE("link: connect failures and unusable addresses") {
  Loop loop;
  Peer a(loop, 0x10);
  std::uint16_t port = 0;
  {
    Peer gone(loop, 0x20);
    port = gone.listen();
  }
  loop.drain();
  auto link = a.links->connect("127.0.0.1", port);
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.rec.is_down(*link); }));
  CHECK(a.rec.down_reason(*link) == LinkError::kConnectFailed);
  CHECK(errors(a, LinkError::kConnectFailed) == 1);
  CHECK_FALSE(a.links->connect("not-an-ip", 6084).has_value());
  CHECK_FALSE(a.links->listen("256.1.1.1", 0).has_value());
}

TEST_CASE("link: malformed frames close the link and are counted") {
  Loop loop;
  Peer b(loop, 0x20);
  std::uint16_t port = b.listen();
  auto creds = issue(overlay_ca(), 0x44);
  auto ctx = tls_context(creds, {overlay_ca().root()});

  Bytes garbage;
  SUBCASE("unknown frame type") { garbage = bytes_of({0x55, 0, 0, 0, 0}); }
  SUBCASE("a valid data frame, then junk") {
    garbage = bytes_of({128, 0, 0, 0, 0, 0, 0, 2, 'h', 'i', 0x01, 0x02});
  }
  RawClient raw(loop.get(), port, ctx.get());
  REQUIRE(loop.run_until([&] { return raw.handshake_done() && b.rec.ups.size() == 1; }));
  raw.write(garbage);
  REQUIRE(loop.run_until([&] { return !b.rec.downs.empty(); }));
  CHECK(b.rec.downs[0].reason == LinkError::kMalformedFrame);
  CHECK(errors(b, LinkError::kMalformedFrame) == 1);
  CHECK(loop.run_until([&] { return raw.closed_by_server(); }));
}

TEST_CASE("link: an oversized frame is acked, handed on truncated, and the link lives on") {
  // RFC 6940 §6.3.3.1, §6.6: the request gets Error_Message_Too_Large (the receiver sees a
  // head whose length field is over the maximum); the link is not at fault.
  Loop loop;
  Peer b(loop, 0x20);
  std::uint16_t port = b.listen();
  auto creds = issue(overlay_ca(), 0x44);
  auto ctx = tls_context(creds, {overlay_ca().root()});
  RawClient raw(loop.get(), port, ctx.get());
  REQUIRE(loop.run_until([&] { return raw.handshake_done() && b.rec.ups.size() == 1; }));
  LinkId link = b.rec.ups[0].link;
  Bytes big = pattern(5700, 3);
  Bytes stream = *wire::encode_data_frame(0, big);
  Bytes next = *wire::encode_data_frame(1, pattern(20, 4));
  stream.insert(stream.end(), next.begin(), next.end());
  raw.write(stream);
  REQUIRE(loop.run_until([&] { return b.rec.messages.size() == 2; }));
  CHECK(b.rec.messages[0].bytes == Bytes(big.begin(), big.begin() + 5000));
  CHECK(b.rec.messages[1].bytes == pattern(20, 4));
  CHECK(b.rec.is_up(link));
  CHECK(errors(b, LinkError::kMalformedFrame) == 0);
  // Both data frames are acked.
  wire::Deframer acks;
  REQUIRE(loop.run_until([&] {
    acks = wire::Deframer();
    (void)acks.feed(raw.plaintext());
    return acks.pending_frames() >= 2;
  }));
  auto frames = acks.take_frames();
  CHECK(std::get<wire::AckFrame>(frames[0]).ack_sequence == 0);
  CHECK(std::get<wire::AckFrame>(frames[1]).ack_sequence == 1);
}

TEST_CASE("link: a silent peer that acks our probes is kept (RFC 6940 §6.6.5)") {
  Loop loop;
  LinkConfig quiet = test_config();
  quiet.keepalive_interval = std::chrono::milliseconds(0);  // never speaks on its own
  quiet.idle_timeout = std::chrono::milliseconds(0);
  LinkConfig prober = test_config();
  prober.keepalive_interval = std::chrono::milliseconds(50);
  prober.idle_timeout = std::chrono::milliseconds(300);
  Peer a(loop, 0x10, prober);
  Peer b(loop, 0x20, quiet);
  a.rec.on_idle_hook = [&](LinkId l) { (void)a.links->send(l, pattern(16, 1)); };
  auto link = a.links->connect("127.0.0.1", b.listen());
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.rec.ups.size() == 1 && b.rec.ups.size() == 1; }));
  // Many probes, each acked: together far longer than idle_timeout, and the link is up.
  REQUIRE(loop.run_until([&] { return a.rec.idles >= 12 || a.rec.is_down(*link); }));
  CHECK(a.rec.is_up(*link));
  CHECK(b.rec.messages.size() >= 12);  // the probes arrived (and were acked)
  CHECK(errors(a, LinkError::kIdleTimeout) == 0);
}

TEST_CASE("link: a probe the peer does not ack fails the link by the ack timeout") {
  Loop loop;
  LinkConfig config = test_config();
  config.keepalive_interval = std::chrono::milliseconds(50);
  config.idle_timeout = std::chrono::milliseconds(100);
  config.ack_timeout = std::chrono::milliseconds(300);
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();
  auto creds = issue(overlay_ca(), 0x44);
  auto ctx = tls_context(creds, {overlay_ca().root()});
  b.rec.on_idle_hook = [&](LinkId l) { (void)b.links->send(l, pattern(16, 1)); };
  RawClient raw(loop.get(), port, ctx.get());  // completes TLS, never acks, never speaks
  REQUIRE(loop.run_until([&] { return b.rec.ups.size() == 1; }));
  LinkId link = b.rec.ups[0].link;
  REQUIRE(loop.run_until([&] { return b.rec.is_down(link); }));
  // Silence past idle_timeout is no failure while the probe awaits its ack.
  CHECK(b.rec.down_reason(link) == LinkError::kAckTimeout);
  CHECK(b.rec.idles == 1);
}

TEST_CASE("link: plain TCP garbage and silence are refused at the handshake") {
  Loop loop;
  LinkConfig config = test_config();
  config.handshake_timeout = std::chrono::milliseconds(150);
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();

  RawClient garbage(loop.get(), port);
  REQUIRE(loop.run_until([&] { return garbage.connected(); }));
  garbage.write(bytes_of({128, 0, 0, 0, 0, 0, 0, 1, 'x', 0x16, 0x03, 0x01, 0, 0}));
  REQUIRE(loop.run_until([&] { return errors(b, LinkError::kHandshakeFailed) == 1; }));
  CHECK(loop.run_until([&] { return garbage.closed_by_server(); }));

  RawClient silent(loop.get(), port);
  REQUIRE(loop.run_until([&] { return errors(b, LinkError::kHandshakeTimeout) == 1; }));
  CHECK(loop.run_until([&] { return silent.closed_by_server(); }));
  CHECK(b.rec.ups.empty());
  CHECK(b.rec.downs.empty());
}

TEST_CASE("link: a peer that goes away is reported") {
  Loop loop;
  Peer a(loop, 0x10);
  auto b = std::make_unique<Peer>(loop, 0x20);
  auto link = a.links->connect("127.0.0.1", b->listen());
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.rec.ups.size() == 1 && b->rec.ups.size() == 1; }));
  b.reset();  // the whole peer disappears (its sockets close)
  REQUIRE(loop.run_until([&] { return a.rec.is_down(*link); }));
  CHECK(a.rec.down_reason(*link) == LinkError::kClosedByPeer);
  CHECK(errors(a, LinkError::kClosedByPeer) == 1);
}

TEST_CASE("link: unacknowledged data and silence fail the link") {
  Loop loop;
  LinkConfig config = test_config();
  config.initial_rto = std::chrono::milliseconds(40);
  config.min_rto = std::chrono::milliseconds(20);
  config.ack_timeout = std::chrono::milliseconds(200);
  config.idle_timeout = std::chrono::milliseconds(400);
  config.keepalive_interval = std::chrono::milliseconds(0);
  Peer b(loop, 0x20, config);
  std::uint16_t port = b.listen();
  auto creds = issue(overlay_ca(), 0x44);
  auto ctx = tls_context(creds, {overlay_ca().root()});
  RawClient raw(loop.get(), port, ctx.get());  // completes TLS, never acks, never speaks
  REQUIRE(loop.run_until([&] { return b.rec.ups.size() == 1; }));
  LinkId link = b.rec.ups[0].link;

  SUBCASE("data not acked") {
    REQUIRE(b.links->send(link, pattern(10, 0)).has_value());
    // Suspect once unacked for longer than the RTO, failed after the ack timeout.
    REQUIRE(loop.run_until([&] { return b.links->info(link).value_or(LinkInfo{}).suspect; }));
    CHECK_FALSE(b.rec.is_down(link));
    REQUIRE(loop.run_until([&] { return b.rec.is_down(link); }));
    CHECK(b.rec.down_reason(link) == LinkError::kAckTimeout);
    CHECK(errors(b, LinkError::kAckTimeout) == 1);
  }
  SUBCASE("nothing received") {
    REQUIRE(loop.run_until([&] { return b.rec.is_down(link); }));
    CHECK(b.rec.down_reason(link) == LinkError::kIdleTimeout);
  }
  CHECK(loop.run_until([&] { return raw.closed_by_server(); }));
}

TEST_CASE("link: destroying a manager with connects and writes in flight is safe") {
  Loop loop;
  Peer b(loop, 0x20);
  std::uint16_t port = b.listen();
  {
    Peer a(loop, 0x10);
    auto pending = a.links->connect("127.0.0.1", port);  // not even connected yet
    REQUIRE(pending.has_value());
    REQUIRE(a.links->send(*pending, pattern(4000, 1)).has_value());
  }
  {
    LinkConfig config = test_config();
    config.max_queue_bytes = 4 << 20;
    Peer a(loop, 0x10, config);
    auto link = a.links->connect("127.0.0.1", port);
    REQUIRE(loop.run_until([&] { return a.rec.ups.size() == 1; }));
    for (int i = 0; i < 500; ++i) (void)a.links->send(*link, pattern(5000, static_cast<unsigned>(i)));
    // Destroyed with most of 2.5 MB still queued in libuv.
  }
  loop.drain();
  CHECK(loop.run_until([&] { return b.links->links().empty(); }));
  // Both incoming links that came up are reported down; the first may not have come up.
  for (const auto& down : b.rec.downs) CHECK(down.reason != LinkError::kMalformedFrame);
}
