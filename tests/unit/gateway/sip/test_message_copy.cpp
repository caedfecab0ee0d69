// The proxy's forwarding copy (message_copy.h): a complete copy that does not keep the message
// it came from alive (msg_copy() would, for as long as nta keeps the copy: up to 32 s).
#include <doctest/doctest.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>

#include <cstring>
#include <string>

#include "gateway/sip/message_copy.h"

namespace {

const char* const kInvite =
    "INVITE sip:uas@p2p.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.9:40000;branch=z9hG4bK-1\r\n"
    "Via: SIP/2.0/UDP 192.0.2.8:5060;branch=z9hG4bK-0\r\n"
    "Record-Route: <sip:192.0.2.8;lr>\r\n"
    "From: <sip:uac@p2p.example.com>;tag=1\r\nTo: <sip:uas@p2p.example.com>\r\n"
    "Call-ID: c@192.0.2.9\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
    "X-Extra: kept\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n";

bool freed = false;
void on_freed(void*) { freed = true; }

}  // namespace

TEST_CASE("forwarding_copy: the original is freed while the copy lives, and nothing is lost") {
  msg_t* original = msg_make(sip_default_mclass(), 0, kInvite, std::strlen(kInvite));
  REQUIRE(original != nullptr);
  // A sub-home of the original's home: its destructor runs when the original's memory goes.
  auto* probe = static_cast<su_home_t*>(su_home_clone(msg_home(original), sizeof(su_home_t)));
  REQUIRE(su_home_destructor(probe, &on_freed) == 0);
  freed = false;

  p2psip::sip::sofia::Message copy = p2psip::sip::forwarding_copy(original);
  REQUIRE(copy);
  msg_destroy(original);
  CHECK(freed);  // msg_copy() keeps it until the copy is freed

  sip_t* sip = sip_object(copy.get());
  REQUIRE(sip != nullptr);
  CHECK(std::string(sip->sip_request->rq_url->url_user) == "uas");
  REQUIRE(sip->sip_via != nullptr);
  CHECK(std::string(sip->sip_via->v_branch) == "z9hG4bK-1");
  REQUIRE(sip->sip_via->v_next != nullptr);
  CHECK(std::string(sip->sip_via->v_next->v_branch) == "z9hG4bK-0");
  REQUIRE(sip->sip_record_route != nullptr);
  CHECK(std::string(sip->sip_call_id->i_id) == "c@192.0.2.9");
  REQUIRE(sip->sip_unknown != nullptr);
  CHECK(std::string(sip->sip_unknown->un_name) == "X-Extra");
  REQUIRE(sip->sip_payload != nullptr);
  CHECK(std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len) == "v=0\n");
}
