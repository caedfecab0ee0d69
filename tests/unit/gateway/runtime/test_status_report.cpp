#include <doctest/doctest.h>

#include "gateway/runtime/http_fetch.h"
#include "gateway/runtime/status_report.h"

using namespace p2psip::runtime;

namespace {

// What overlay_metrics.cpp publishes (members in its order), trimmed to two ring members.
const char* kStatus =
    R"({"version":"0.19.0","role":"gateway","overlay":"p2p.example.com",)"
    R"("sip_listen":"127.0.0.1:5060","sip_advertise":"192.0.2.1:5060","started_at":1796564421,)"
    R"("node_id":"00112233445566778899aabbccddeeff","state":"joined","overlay_port":6084,)"
    R"("predecessors":["ffeeddccbbaa99887766554433221100"],)"
    R"("successors":["11112222333344445555666677778888","99990000aaaabbbbccccddddeeeeffff"],)"
    R"("finger_count":1,"fingers":["99990000aaaabbbbccccddddeeeeffff"],)"
    R"("routing_table_size":2,"connections":2,"links":3,"pending_transactions":0,)"
    R"("configuration_sequence":4,"stored_resources":5,"responsible_resources":3,)"
    R"("replica_resources":2,"stored_values":7,"oldest_storage_time_ms":1,)"
    R"("stored_resources_by_kind":{"sip_registration":4,"certificate_by_node":1},)"
    R"("registrations":3,"registrations_stored":1,)"
    R"("registration_aors":[{"aor":"alice@p2p.example.com","stored":true},)"
    R"({"aor":"gateway@p2p.example.com","stored":false}]})";

}  // namespace

TEST_CASE("status target: ADDR:PORT, a bare address, URLs") {
  auto t = parse_status_target("127.0.0.1:9470");
  REQUIRE(t);
  CHECK(t->host == "127.0.0.1");
  CHECK(t->port == 9470);
  CHECK(t->path == "/status");
  CHECK(parse_status_target("gw1")->port == kDefaultMetricsPort);
  CHECK(parse_status_target("::1")->host == "::1");
  CHECK(parse_status_target("[::1]:9")->port == 9);
  auto url = parse_status_target("http://gw1.example:9464/");
  REQUIRE(url);
  CHECK(url->host == "gw1.example");
  CHECK(url->path == "/status");
  CHECK(parse_status_target("http://10.0.0.1:80/node/status")->path == "/node/status");
  CHECK_FALSE(parse_status_target("https://gw1:9464"));
  CHECK_FALSE(parse_status_target("gw1:99999"));
  CHECK_FALSE(parse_status_target(""));
}

TEST_CASE("status document: every member read") {
  auto s = parse_status(kStatus);
  REQUIRE(s);
  CHECK(s->role == "gateway");
  CHECK(s->has_overlay);
  CHECK(s->node_id == "00112233445566778899aabbccddeeff");
  CHECK(s->successors.size() == 2);
  CHECK(s->fingers == std::vector<std::string>{"99990000aaaabbbbccccddddeeeeffff"});
  CHECK(s->stored_by_kind.at("sip_registration") == 4);
  CHECK(s->registrations == 3);
  REQUIRE(s->registration_aors.size() == 2);
  CHECK(s->registration_aors[0] == std::pair<std::string, bool>{"alice@p2p.example.com", true});
  CHECK(s->registration_aors[1].second == false);
}

TEST_CASE("status rendering: ring, storage and registrations for people") {
  std::string out = render_status(*parse_status(kStatus));
  CHECK(out.rfind("p2psip gateway 0.19.0, overlay p2p.example.com\n", 0) == 0);
  CHECK(out.find("started: 2026-12-06T13:40:21Z\n") != std::string::npos);
  CHECK(out.find("node-id: 00112233445566778899aabbccddeeff (joined)\n") != std::string::npos);
  CHECK(out.find("  predecessors (1):\n    ffeeddccbbaa99887766554433221100\n") != std::string::npos);
  CHECK(out.find("  successors (2):\n    11112222333344445555666677778888\n"
                 "    99990000aaaabbbbccccddddeeeeffff\n") != std::string::npos);
  CHECK(out.find("  fingers (1):\n    99990000aaaabbbbccccddddeeeeffff\n") != std::string::npos);
  CHECK(out.find("storage: 5 resources (3 responsible, 2 replicas), 7 values\n"
                 "  certificate_by_node: 1\n  sip_registration: 4\n") != std::string::npos);
  CHECK(out.find("registrations: 3 kept, 1 stored\n  alice@p2p.example.com stored\n"
                 "  gateway@p2p.example.com not stored\n  ... and 1 more\n") != std::string::npos);
}

TEST_CASE("status before the overlay started, and documents that are none") {
  auto early = parse_status(R"({"version":"1","role":"peer","overlay":"o","started_at":5})");
  REQUIRE(early);
  CHECK(render_status(*early).find("overlay: not started yet\n") != std::string::npos);
  CHECK_FALSE(parse_status("[1,2]"));
  CHECK_FALSE(parse_status("{\"unterminated"));
  auto odd = parse_status(R"({"successors":"notalist","links":"many","registration_aors":[1]})");
  REQUIRE(odd);  // mistyped members read as empty
  CHECK(odd->successors.empty());
  CHECK(odd->links == 0);
  CHECK(odd->registration_aors.empty());
}

TEST_CASE("HTTP answers: status and body") {
  auto a = parse_http_answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  REQUIRE(a);
  CHECK(a->status == 200);
  CHECK(a->body == "{}");
  CHECK(parse_http_answer("HTTP/1.1 503 Service Unavailable\r\n\r\n")->status == 503);
  CHECK_FALSE(parse_http_answer("SSH-2.0-OpenSSH\r\n\r\n"));
  CHECK_FALSE(parse_http_answer("HTTP/1.1 200 OK\r\nno end of head"));
}
