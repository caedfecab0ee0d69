#include "gateway/sip/stray_response.h"

#include <doctest/doctest.h>

using namespace p2psip;
using namespace p2psip::sip;
using std::chrono::milliseconds;

namespace {

const std::string kUpstream = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKup;rport=5060;received=192.0.2.1";

StrayResponseFacts retransmitted_200() {
  StrayResponseFacts f;
  f.status = 200;
  f.cseq_invite = true;
  f.top_via_ours = true;
  f.accepted_upstream_via = kUpstream;
  f.second_via = kUpstream;
  return f;
}

}  // namespace

TEST_CASE("a retransmitted 2xx to INVITE on one of our accepted branches is forwarded") {
  CHECK(decide_stray_response(retransmitted_200()) == StrayVerdict::forward);
  auto f = retransmitted_200();
  f.status = 299;
  CHECK(decide_stray_response(f) == StrayVerdict::forward);
}

TEST_CASE("stray responses other than a 2xx to INVITE are dropped") {
  for (int status : {100, 180, 199, 300, 404, 487, 503}) {
    auto f = retransmitted_200();
    f.status = status;
    CHECK(decide_stray_response(f) == StrayVerdict::not_2xx_invite);
  }
  auto f = retransmitted_200();
  f.cseq_invite = false;  // e.g. a late 200 to BYE: its transaction absorbed the first
  CHECK(decide_stray_response(f) == StrayVerdict::not_2xx_invite);
}

TEST_CASE("a 2xx whose top Via is not ours is never relayed (no reflection)") {
  auto f = retransmitted_200();
  f.top_via_ours = false;
  CHECK(decide_stray_response(f) == StrayVerdict::not_our_via);
}

TEST_CASE("a 2xx on a branch we did not accept is dropped") {
  auto f = retransmitted_200();
  f.accepted_upstream_via.reset();
  CHECK(decide_stray_response(f) == StrayVerdict::unknown_branch);
}

TEST_CASE("a 2xx without a next Via, or with a rewritten one, is dropped") {
  auto f = retransmitted_200();
  f.second_via.reset();
  CHECK(decide_stray_response(f) == StrayVerdict::no_next_via);
  f = retransmitted_200();
  f.second_via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKup;rport=5060;received=203.0.113.9";
  CHECK(decide_stray_response(f) == StrayVerdict::next_via_altered);
  f.second_via = "SIP/2.0/UDP victim.example;branch=z9hG4bKup";
  CHECK(decide_stray_response(f) == StrayVerdict::next_via_altered);
}

TEST_CASE("a response to a request forwarded statelessly goes on when its branch verifies, any status") {
  for (int status : {100, 180, 200, 404, 481, 503}) {
    StrayResponseFacts f;
    f.status = status;
    f.top_via_ours = true;
    f.second_via = kUpstream;
    f.stateless_branch = true;
    f.stateless_verified = true;
    CHECK(decide_stray_response(f) == StrayVerdict::forward_stateless);
    f.stateless_verified = false;  // next Via, Call-ID or CSeq not the request's, or not our key
    CHECK(decide_stray_response(f) == StrayVerdict::stateless_unverified);
    f.stateless_verified = true;
    f.second_via.reset();
    CHECK(decide_stray_response(f) == StrayVerdict::no_next_via);
    f.second_via = kUpstream;
    f.top_via_ours = false;
    CHECK(decide_stray_response(f) == StrayVerdict::not_our_via);
  }
}

TEST_CASE("every verdict has a reason") {
  for (auto v : {StrayVerdict::forward, StrayVerdict::not_2xx_invite, StrayVerdict::not_our_via,
                 StrayVerdict::unknown_branch, StrayVerdict::no_next_via,
                 StrayVerdict::next_via_altered, StrayVerdict::forward_stateless,
                 StrayVerdict::stateless_unverified}) {
    CHECK(to_string(v) != "?");
  }
}

TEST_CASE("accepted branches live for Timer M") {
  AcceptedBranches t(milliseconds(32000));
  t.remember("z9hG4bKa", kUpstream, milliseconds(1000));
  CHECK(t.find("z9hG4bKa", milliseconds(1000)) == kUpstream);
  CHECK(t.find("z9hG4bKa", milliseconds(32999)) == kUpstream);
  CHECK_FALSE(t.find("z9hG4bKa", milliseconds(33000)));
  CHECK_FALSE(t.find("z9hG4bKb", milliseconds(1000)));
  // Expired entries go at the next remember().
  t.remember("z9hG4bKb", kUpstream, milliseconds(40000));
  CHECK(t.size() == 1);
}

TEST_CASE("expire() forgets the expired branches without a new one (the proxy's sweep)") {
  AcceptedBranches t(milliseconds(32000));
  t.remember("z9hG4bKa", kUpstream, milliseconds(0));
  t.remember("z9hG4bKb", kUpstream, milliseconds(1000));
  t.expire(milliseconds(31999));
  CHECK(t.size() == 2);
  t.expire(milliseconds(32000));
  CHECK(t.size() == 1);
  CHECK(t.find("z9hG4bKb", milliseconds(32000)) == kUpstream);
  t.expire(milliseconds(33000));
  CHECK(t.size() == 0);
}

TEST_CASE("remembering a branch again keeps its first expiry") {
  AcceptedBranches t(milliseconds(100));
  t.remember("b", "v1", milliseconds(0));
  t.remember("b", "v2", milliseconds(90));
  CHECK(t.find("b", milliseconds(99)) == std::string("v2"));
  CHECK_FALSE(t.find("b", milliseconds(100)));
  CHECK(t.size() == 1);
}

TEST_CASE("the table is bounded: the oldest branch is forgotten first") {
  AcceptedBranches t(milliseconds(100000), 3);
  for (int i = 0; i < 5; ++i) t.remember("b" + std::to_string(i), "v", milliseconds(i));
  CHECK(t.size() == 3);
  CHECK_FALSE(t.find("b0", milliseconds(10)));
  CHECK_FALSE(t.find("b1", milliseconds(10)));
  CHECK(t.find("b2", milliseconds(10)));
  CHECK(t.find("b4", milliseconds(10)));
  AcceptedBranches none(milliseconds(100), 0);
  none.remember("b", "v", milliseconds(0));
  CHECK(none.size() == 0);
}
