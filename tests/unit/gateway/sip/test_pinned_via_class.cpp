// The message class nta parses with: the top Via of a request names its source address.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su.h>

#include <cstring>
#include <string>

#include "gateway/sip/pinned_via_class.h"

namespace {

// Parses `text` as if received from 192.0.2.9:40000; nullptr when incomplete.
msg_t* receive(const p2psip::sip::PinnedViaClass& cls, const std::string& text) {
  msg_t* msg = msg_create(cls.mclass(), 0);
  su_sockaddr_t from{};
  from.su_sin.sin_family = AF_INET;
  from.su_sin.sin_port = htons(40000);
  inet_pton(AF_INET, "192.0.2.9", &from.su_sin.sin_addr);
  msg_set_address(msg, &from, sizeof from.su_sin);
  void* buf = msg_buf_alloc(msg, text.size() + 1);
  std::memcpy(buf, text.data(), text.size());
  msg_buf_commit(msg, text.size(), 1);
  msg_extract(msg);
  return msg;
}

std::string request(const std::string& start, const std::string& vias) {
  return start + "\r\n" + vias +
         "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nCall-ID: c@x\r\nCSeq: 1 OPTIONS\r\n"
         "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
}

// Checks the pinned fields of `via` and of a copy of it (nta's replies carry a sip_via_dup() of
// the request's Via, which recomputes the fields from the parameters); returns the copy.
const sip_via_t* check_pinned_with_copy(su_home_t* home, const sip_via_t* via) {
  const sip_via_t* copy = sip_via_dup(home, via);
  REQUIRE(copy);
  for (const sip_via_t* v : {via, copy}) {
    CHECK(v->v_maddr == nullptr);
    REQUIRE(v->v_received);
    CHECK(std::string(v->v_received) == "192.0.2.9");
    REQUIRE(v->v_rport);
    CHECK(std::string(v->v_rport) == "40000");
  }
  return copy;
}

}  // namespace

TEST_CASE("top Via of a request: received = source, maddr gone, rport = source port") {
  auto cls = p2psip::sip::PinnedViaClass::create();
  REQUIRE(cls);
  msg_t* msg = receive(*cls, request("OPTIONS sip:y SIP/7.0",
                                     "Via: SIP/2.0/UDP slow.example:5060;received=198.51.100.1;"
                                     "maddr=198.51.100.2;rport=9;branch=z9hG4bK1, "
                                     "SIP/2.0/UDP second.example;maddr=198.51.100.3\r\n"
                                     "v: SIP/2.0/UDP third.example\r\n"));
  sip_t* sip = sip_object(msg);
  REQUIRE(sip);
  REQUIRE(sip->sip_via);
  sip_via_t* v = sip->sip_via;
  CHECK(std::string(v->v_received) == "192.0.2.9");
  CHECK(v->v_maddr == nullptr);
  CHECK(std::string(v->v_rport) == "40000");
  CHECK(std::string(v->v_host) == "slow.example");
  CHECK(v->v_common->h_class == sip_via_class);  // Sofia's own class, as everywhere else
  REQUIRE(v->v_next);
  CHECK(std::string(v->v_next->v_maddr) == "198.51.100.3");  // only the top Via is ours
  CHECK(v->v_next->v_received == nullptr);
  CHECK(v->v_next->v_common->h_class == sip_via_class);
  REQUIRE(v->v_next->v_next);
  CHECK(v->v_next->v_next->v_received == nullptr);
  CHECK(v->v_next->v_next->v_common->h_class == sip_via_class);
  msg_destroy(msg);
}

TEST_CASE("the compact form v: is pinned too; responses are left alone") {
  auto cls = p2psip::sip::PinnedViaClass::create();
  REQUIRE(cls);
  msg_t* msg = receive(*cls, request("OPTIONS sip:y SIP/2.0", "v: SIP/2.0/UDP slow.example\r\n"));
  REQUIRE(sip_object(msg)->sip_via);
  CHECK(std::string(sip_object(msg)->sip_via->v_received) == "192.0.2.9");
  msg_destroy(msg);
  msg = receive(*cls, request("SIP/2.0 200 OK", "Via: SIP/2.0/UDP us.example;branch=z9hG4bK2\r\n"));
  REQUIRE(sip_object(msg)->sip_via);
  CHECK(sip_object(msg)->sip_via->v_received == nullptr);
  msg_destroy(msg);
}

TEST_CASE("a Via inserted by class (as nta adds its own) still lands in sip_via") {
  auto cls = p2psip::sip::PinnedViaClass::create();
  REQUIRE(cls);
  msg_t* msg = receive(*cls, request("OPTIONS sip:y SIP/2.0", "Via: SIP/2.0/UDP a.example\r\n"));
  sip_t* sip = sip_object(msg);
  sip_via_t* mine = sip_via_make(msg_home(msg), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK3");
  REQUIRE(msg_header_insert(msg, reinterpret_cast<msg_pub_t*>(sip),
                            reinterpret_cast<msg_header_t*>(mine)) == 0);
  REQUIRE(sip->sip_via);
  CHECK(std::string(sip->sip_via->v_host) == "192.0.2.1");
  CHECK(sip->sip_via->v_next);
  msg_destroy(msg);
}

TEST_CASE("a repeated maddr, received or rport does not survive in a copy of the pinned Via") {
  // nta's replies carry a copy of the request's Via (sip_via_dup), which recomputes the fields
  // from the parameters, the last one winning: a second maddr/received left in the parameters
  // would send the reply to a third party (found by tests/fuzz/sip/fuzz_sip_message).
  auto cls = p2psip::sip::PinnedViaClass::create();
  REQUIRE(cls);
  msg_t* msg = receive(*cls, request("OPTIONS sip:y SIP/2.0",
                                     "Via: SIP/2.0/UDP a.example;maddr=198.51.100.1;"
                                     "received=198.51.100.3;RPORT=7;branch=z9hG4bK4;"
                                     "MADDR=198.51.100.2;rport=8;Received=198.51.100.4\r\n"));
  sip_t* sip = sip_object(msg);
  REQUIRE(sip->sip_via);
  su_home_t home[1] = {SU_HOME_INIT(home)};
  const sip_via_t* copy = check_pinned_with_copy(home, sip->sip_via);
  CHECK(std::string(sip_header_as_string(home, reinterpret_cast<const sip_header_t*>(copy))) ==
        "SIP/2.0/UDP a.example;branch=z9hG4bK4;received=192.0.2.9;rport=40000");
  su_home_deinit(home);
  msg_destroy(msg);
}

TEST_CASE("a valueless maddr or rport right before a list's comma is pinned too") {
  // Sofia 1.12.11 reads the parameters before it cuts the list at the comma, so `;maddr,`
  // leaves v_maddr unset while a copy of the Via (nta's replies) finds maddr="" (found by
  // tests/fuzz/sip/fuzz_sip_message).
  auto cls = p2psip::sip::PinnedViaClass::create();
  REQUIRE(cls);
  for (const char* via : {"Via: SIP/2.0/UDP a.example;rport;maddr,\r\n",
                          "Via: SIP/2.0/UDP a.example;maddr;rport, \r\n"}) {
    CAPTURE(via);
    msg_t* msg = receive(*cls, request("OPTIONS sip:y SIP/2.0", via));
    sip_t* sip = sip_object(msg);
    REQUIRE(sip->sip_via);
    su_home_t home[1] = {SU_HOME_INIT(home)};
    check_pinned_with_copy(home, sip->sip_via);
    su_home_deinit(home);
    msg_destroy(msg);
  }
}
