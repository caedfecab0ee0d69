#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "peer_fixture.h"

using namespace p2psip;
using namespace p2psip::link;
using namespace p2psip::link::test;

TEST_CASE("link: handshake reports the certificate's Node-IDs and addresses on both sides") {
  Loop loop;
  Peer a(loop, 0x10);
  Peer b(loop, 0x20);
  std::uint16_t port = b.listen();
  auto link = a.links->connect("127.0.0.1", port, node_id(0x20));
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.rec.ups.size() == 1 && b.rec.ups.size() == 1; }));

  const PeerInfo& seen_by_a = a.rec.ups[0].peer;
  CHECK(a.rec.ups[0].link == *link);
  CHECK(seen_by_a.node_ids == std::vector<wire::NodeId>{node_id(0x20)});
  CHECK(seen_by_a.user == "peer32@p2p.example.com");
  CHECK(seen_by_a.outgoing);
  CHECK(seen_by_a.remote.port == port);
  const PeerInfo& seen_by_b = b.rec.ups[0].peer;
  CHECK(seen_by_b.node_ids == std::vector<wire::NodeId>{node_id(0x10)});
  CHECK_FALSE(seen_by_b.outgoing);
  CHECK(seen_by_b.remote.type == wire::AddressType::kIpv4);
  CHECK(std::to_integer<int>(seen_by_b.remote.addr[0]) == 127);
  CHECK(a.links->counters().links_up == 1);
  CHECK(b.links->counters().links_up == 1);
  CHECK(a.links->links() == std::vector<LinkId>{*link});
}

TEST_CASE("link: many messages both ways up to the max size, acked, RTT estimated") {
  Loop loop;
  Peer a(loop, 0x10);
  Peer b(loop, 0x20);
  auto link = a.links->connect("127.0.0.1", b.listen());
  REQUIRE(link.has_value());
  // Sent before the handshake finished: queued, then framed once the link is up.
  REQUIRE(a.links->send(*link, pattern(100, 1)).has_value());
  REQUIRE(loop.run_until([&] { return b.rec.ups.size() == 1 && a.rec.ups.size() == 1; }));
  LinkId back = b.rec.ups[0].link;

  constexpr std::size_t kCount = 200;
  std::vector<Bytes> sent;
  sent.push_back(pattern(100, 1));
  for (std::size_t i = 1; i < kCount; ++i) {
    sent.push_back(pattern(i == kCount - 1 ? 5000 : (i * 97) % 5001, static_cast<unsigned>(i)));
  }
  for (std::size_t i = 1; i < kCount; ++i) REQUIRE(a.links->send(*link, sent[i]).has_value());
  for (std::size_t i = 0; i < kCount; ++i) REQUIRE(b.links->send(back, sent[i]).has_value());
  REQUIRE(loop.run_until(
      [&] { return b.rec.messages.size() == kCount && a.rec.messages.size() == kCount; }));
  for (std::size_t i = 0; i < kCount; ++i) {
    CHECK(b.rec.messages[i].bytes == sent[i]);
    CHECK(a.rec.messages[i].bytes == sent[i]);
  }
  REQUIRE(loop.run_until([&] {
    return a.links->info(*link)->unacked == 0 && b.links->info(back)->unacked == 0;
  }));
  LinkInfo info = *a.links->info(*link);
  CHECK(info.up);
  CHECK(info.frames_sent == kCount);
  CHECK(info.frames_received == kCount);
  CHECK(info.acks_received >= kCount);
  CHECK(info.rtt_samples == kCount);
  CHECK(info.rto >= Micros{std::chrono::milliseconds(200)});
  CHECK(info.srtt < Micros{std::chrono::seconds(1)});
  CHECK_FALSE(info.suspect);
  CHECK(a.links->counters().messages_sent == kCount);
  CHECK(b.links->counters().messages_received == kCount);

  CHECK(a.links->send(*link, pattern(5001, 0)).error() == SendError::kTooLarge);
  CHECK(a.links->send(LinkId{999}, pattern(1, 0)).error() == SendError::kUnknownLink);
}

TEST_CASE("link: large messages split across TLS records and TCP reads") {
  Loop loop;
  LinkConfig config = test_config();
  config.max_message_size = 200'000;
  config.max_queue_bytes = 8 << 20;
  Peer a(loop, 0x10, config);
  Peer b(loop, 0x20, config);
  auto link = a.links->connect("127.0.0.1", b.listen());
  REQUIRE(link.has_value());
  std::vector<Bytes> sent;
  for (unsigned i = 0; i < 20; ++i) sent.push_back(pattern(150'000 + i, i));
  for (const Bytes& m : sent) REQUIRE(a.links->send(*link, m).has_value());
  REQUIRE(loop.run_until([&] { return b.rec.messages.size() == sent.size(); }));
  for (std::size_t i = 0; i < sent.size(); ++i) CHECK(b.rec.messages[i].bytes == sent[i]);
  CHECK(loop.run_until([&] { return a.links->info(*link)->unacked == 0; }));
}

TEST_CASE("link: the send queue is bounded") {
  Loop loop;
  LinkConfig config = test_config();
  config.max_queue_bytes = 12'000;
  Peer a(loop, 0x10, config);
  Peer b(loop, 0x20);
  auto link = a.links->connect("127.0.0.1", b.listen());
  REQUIRE(link.has_value());
  CHECK(a.links->send(*link, pattern(5000, 1)).has_value());
  CHECK(a.links->send(*link, pattern(5000, 2)).has_value());
  CHECK(a.links->send(*link, pattern(5000, 3)).error() == SendError::kQueueFull);
  CHECK(a.links->counters().send_refused == 1);
  REQUIRE(loop.run_until([&] { return b.rec.messages.size() == 2; }));
}

TEST_CASE("link: a message handler may answer and close from inside the callback") {
  Loop loop;
  Peer a(loop, 0x10);
  Peer b(loop, 0x20);
  b.rec.on_message_hook = [&](LinkId l, ByteView m) {
    (void)b.links->send(l, m);  // echo
    if (m.size() == 3) b.links->close(l);
  };
  auto link = a.links->connect("127.0.0.1", b.listen());
  REQUIRE(link.has_value());
  REQUIRE(a.links->send(*link, pattern(10, 0)).has_value());
  REQUIRE(a.links->send(*link, pattern(3, 0)).has_value());
  REQUIRE(loop.run_until([&] { return a.rec.is_down(*link); }));
  CHECK(a.rec.down_reason(*link) == LinkError::kClosedByPeer);
  CHECK(a.rec.messages.size() == 2);  // both echoes arrived before the close_notify
  CHECK(b.rec.downs.empty());         // close() reports nothing
  CHECK(loop.run_until([&] { return b.links->links().empty() && a.links->links().empty(); }));
}

TEST_CASE("link: keepalives keep an idle link up and arrive as acks") {
  Loop loop;
  LinkConfig config = test_config();
  config.keepalive_interval = std::chrono::milliseconds(30);
  config.idle_timeout = std::chrono::milliseconds(400);
  Peer a(loop, 0x10, config);
  Peer b(loop, 0x20, config);
  auto link = a.links->connect("127.0.0.1", b.listen());
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.links->info(*link)->acks_received >= 20; }));
  CHECK(a.rec.downs.empty());
  CHECK(b.rec.downs.empty());
  CHECK(a.links->info(*link)->up);
}

TEST_CASE("link: SSLKEYLOGFILE gets NSS key log lines") {
  auto path = std::filesystem::temp_directory_path() /
              ("p2p-link-keylog-" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  ::setenv("SSLKEYLOGFILE", path.c_str(), 1);
  Loop loop;
  Peer a(loop, 0x10);
  Peer b(loop, 0x20);
  ::unsetenv("SSLKEYLOGFILE");  // captured when the managers were made
  auto link = a.links->connect("127.0.0.1", b.listen());
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.rec.ups.size() == 1 && b.rec.ups.size() == 1; }));
  std::ifstream log(path);
  std::string line;
  int lines = 0;
  bool traffic_secret = false;
  while (std::getline(log, line)) {
    ++lines;
    if (line.rfind("CLIENT_TRAFFIC_SECRET_0 ", 0) == 0 || line.rfind("CLIENT_RANDOM ", 0) == 0) {
      traffic_secret = true;
    }
  }
  CHECK(lines >= 2);
  CHECK(traffic_secret);
  std::filesystem::remove(path);
}

TEST_CASE("link: LinkConfig::keylog_file replaces $SSLKEYLOGFILE") {
  auto dir = std::filesystem::temp_directory_path();
  auto env = dir / ("p2p-link-keylog-env-" + std::to_string(::getpid()));
  auto a_file = dir / ("p2p-link-keylog-a-" + std::to_string(::getpid()));
  auto b_file = dir / ("p2p-link-keylog-b-" + std::to_string(::getpid()));
  for (const auto& p : {env, a_file, b_file}) std::filesystem::remove(p);
  ::setenv("SSLKEYLOGFILE", env.c_str(), 1);
  Loop loop;
  LinkConfig a_config = test_config();
  a_config.keylog_file = a_file.string();
  LinkConfig b_config = test_config();
  b_config.keylog_file = b_file.string();
  Peer a(loop, 0x10, a_config);
  Peer b(loop, 0x20, b_config);
  ::unsetenv("SSLKEYLOGFILE");
  auto link = a.links->connect("127.0.0.1", b.listen());
  REQUIRE(link.has_value());
  REQUIRE(loop.run_until([&] { return a.rec.ups.size() == 1 && b.rec.ups.size() == 1; }));
  CHECK(std::filesystem::file_size(a_file) > 0);
  CHECK(std::filesystem::file_size(b_file) > 0);
  CHECK_FALSE(std::filesystem::exists(env));
  for (const auto& p : {env, a_file, b_file}) std::filesystem::remove(p);
}
