#include <doctest/doctest.h>

#include <vector>

#include "gateway/sip/proxy_policy.h"

using namespace p2psip::sip;

TEST_CASE("best response: 6xx beats everything, then the lowest class, first of a class") {
  CHECK_FALSE(best_response(std::vector<int>{}));
  CHECK(*best_response(std::vector<int>{486}) == 0);
  CHECK(*best_response(std::vector<int>{503, 486, 404}) == 1);
  CHECK(*best_response(std::vector<int>{486, 302}) == 1);
  CHECK(*best_response(std::vector<int>{200, 603}) == 1);
  CHECK(*best_response(std::vector<int>{408, 480, 200}) == 2);
  CHECK(*best_response(std::vector<int>{500, 503}) == 0);
}

TEST_CASE("a relayed 503 becomes 500; other statuses pass") {
  CHECK(upstream_status(503) == 500);
  CHECK(upstream_status(486) == 486);
  CHECK(upstream_status(200) == 200);
}

TEST_CASE("failover on 503 and 408 only; 401/407 are final") {
  CHECK(fail_over_on(503));
  CHECK(fail_over_on(408));
  CHECK_FALSE(fail_over_on(401));
  CHECK_FALSE(fail_over_on(407));
  CHECK_FALSE(fail_over_on(404));
  CHECK_FALSE(fail_over_on(500));
  CHECK_FALSE(fail_over_on(200));
}

TEST_CASE("Max-Forwards: 0 is 483, otherwise decremented, missing counts as 70") {
  CHECK_FALSE(next_max_forwards(0u));
  CHECK(*next_max_forwards(1u) == 0);
  CHECK(*next_max_forwards(70u) == 69);
  CHECK(*next_max_forwards(std::nullopt) == 69);
}

TEST_CASE("loop: our Via with a pending branch for the same Request-URI; spiral otherwise") {
  std::vector<ViaFacts> vias = {{"127.0.0.1", 5070, "z9hG4bKabc"}, {"192.0.2.1", 0, "z9hG4bKx"}};
  std::vector<ActiveBranch> active = {{"z9hG4bKabc", "sip:bob@ext.example"}};
  CHECK(is_loop(vias, "127.0.0.1", 5070, active, "sip:bob@ext.example"));
  CHECK_FALSE(is_loop(vias, "127.0.0.1", 5070, active, "sip:bob@other.example"));  // spiral
  CHECK_FALSE(is_loop(vias, "127.0.0.1", 5071, active, "sip:bob@ext.example"));
  CHECK_FALSE(is_loop(vias, "127.0.0.1", 5070, {}, "sip:bob@ext.example"));
  std::vector<ViaFacts> default_port = {{"192.0.2.1", 0, "b1"}};
  std::vector<ActiveBranch> a2 = {{"b1", "sip:x@y"}};
  CHECK(is_loop(default_port, "192.0.2.1", 5060, a2, "sip:x@y"));
}

TEST_CASE("nta route URLs are IP literals with the transport") {
  p2psip::dns::Target v4{p2psip::dns::Transport::tcp, "192.0.2.1", 5070, "a.example"};
  CHECK(nta_route_url(v4) == "sip:192.0.2.1:5070;transport=tcp");
  p2psip::dns::Target v6{p2psip::dns::Transport::udp, "2001:db8::1", 5060, "b.example"};
  CHECK(nta_route_url(v6) == "sip:[2001:db8::1]:5060;transport=udp");
}

TEST_CASE("nta route URLs for TLS keep the host name to verify, the address in maddr") {
  using p2psip::dns::Target;
  using p2psip::dns::Transport;
  CHECK(nta_route_url(Target{Transport::tls, "192.0.2.1", 5061, "sip.example.net"}) ==
        "sip:sip.example.net:5061;transport=tls;maddr=192.0.2.1");
  CHECK(nta_route_url(Target{Transport::tls, "2001:db8::1", 5061, "sip.example.net"}) ==
        "sip:sip.example.net:5061;transport=tls;maddr=[2001:db8::1]");
  // No name, or the name is the address itself: "*" (Sofia checks no name, only the chain).
  CHECK(nta_route_url(Target{Transport::tls, "192.0.2.1", 5061, ""}) ==
        "sip:*:5061;transport=tls;maddr=192.0.2.1");
  CHECK(nta_route_url(Target{Transport::tls, "192.0.2.1", 5061, "192.0.2.1"}) ==
        "sip:*:5061;transport=tls;maddr=192.0.2.1");
  CHECK(nta_route_url(Target{Transport::tls, "2001:db8::1", 5061, "[2001:db8::1]"}) ==
        "sip:*:5061;transport=tls;maddr=[2001:db8::1]");
}

TEST_CASE("stateless forwarding: an in-dialog BYE over UDP on a verified route set, nothing else") {
  CHECK(forwards_statelessly("BYE", true, true, "SIP/2.0/UDP"));
  CHECK(forwards_statelessly("BYE", true, true, "sip/2.0/udp"));
  CHECK_FALSE(forwards_statelessly("BYE", true, true, "SIP/2.0/TCP"));  // Timer J is 0 there
  CHECK_FALSE(forwards_statelessly("BYE", true, true, "SIP/2.0/TLS"));
  CHECK_FALSE(forwards_statelessly("BYE", true, false, "SIP/2.0/UDP"));  // not our route set
  CHECK_FALSE(forwards_statelessly("BYE", false, true, "SIP/2.0/UDP"));  // no To-tag
  for (const char* m : {"INVITE", "INFO", "UPDATE", "OPTIONS", "MESSAGE", "CANCEL", "bye"}) {
    CHECK_FALSE(forwards_statelessly(m, true, true, "SIP/2.0/UDP"));
  }
}
