// Any datagram: parsed as nta parses one received over UDP, with the gateway's own message class
// (PinnedViaClass: the pinned top Via and the liberal decoders of liberal_parser.h), then every
// header the proxy reads is read, the request checks of request_check.h run, and a request they
// let through is encoded again (as forwarding does). No crash, no leak, no sanitizer report;
// the class's invariants (below) hold.
#include <arpa/inet.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "gateway/sip/pinned_via_class.h"
#include "gateway/sip/request_check.h"
#include "gateway/sip/request_shape.h"

namespace {

// nta's receive path for a datagram (tport_type_udp.c tport_recv_dgram, tport.c tport_parse):
// a message of the agent's class with the agent's flags (nta.c: MSG_DO_CANONIC) and size limit
// (sip_agent.h kMaxMessageBytes), the source address set, the bytes received into the buffer
// msg_recv_iovec gives (exact size), committed with end-of-stream, then msg_extract().
constexpr usize_t kMaxMessageBytes = 65536;

const p2psip::sip::PinnedViaClass& message_class() {
  static const std::unique_ptr<p2psip::sip::PinnedViaClass> cls = p2psip::sip::PinnedViaClass::create();
  if (!cls) __builtin_trap();  // the default class no longer has the layout expected
  return *cls;
}

struct MsgGuard {
  msg_t* msg;
  ~MsgGuard() { msg_destroy(msg); }
};

msg_t* receive(const std::uint8_t* data, std::size_t size) {
  msg_t* msg = msg_create(message_class().mclass(), MSG_DO_CANONIC);
  if (!msg) return nullptr;
  msg_maxsize(msg, kMaxMessageBytes);
  su_sockaddr_t from{};
  from.su_sin.sin_family = AF_INET;
  from.su_sin.sin_port = htons(40000);
  inet_pton(AF_INET, "192.0.2.9", &from.su_sin.sin_addr);
  msg_set_address(msg, &from, sizeof from.su_sin);
  msg_iovec_t vec[2] = {};
  issize_t n = msg_recv_iovec(msg, vec, 2, size, 1);
  if (n < 0) return msg;  // too large: tport drops it
  std::size_t at = 0;
  for (issize_t i = 0; i < n && at < size; ++i) {
    std::size_t take = vec[i].mv_len < size - at ? vec[i].mv_len : size - at;
    std::memcpy(vec[i].mv_base, data + at, take);
    at += take;
  }
  msg_recv_commit(msg, size, 1);
  msg_extract(msg);
  return msg;
}

// The pinned Via (via_pin.h): the top Via of a request names the source, never a maddr.
void check_pinned(const sip_t* sip) {
  for (const sip_via_t* v = sip->sip_via; v; v = v->v_next) {
    if (v->v_common->h_class != sip_via_class) __builtin_trap();  // Sofia's own class back
  }
  const sip_via_t* v = sip->sip_via;
  if (!sip->sip_request || !v) return;
  if (!v->v_received || std::string_view(v->v_received) != "192.0.2.9" || v->v_maddr) {
    __builtin_trap();
  }
  if (v->v_rport && std::string_view(v->v_rport) != "40000") __builtin_trap();
}

// What the proxy reads of a request it routes (proxy.cpp own_route, facts, looping,
// next_max_forwards; phone_front_end for REGISTER), and the encoding forwarding does.
void read_routed(msg_t* msg, sip_t* sip) {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  char token[64] = "";
  if (const sip_route_t* r = sip->sip_route; r && r->r_url->url_params) {
    url_param(r->r_url->url_params, "rrtok", token, sizeof token);
  }
  volatile std::size_t sink = std::strlen(token);
  for (const sip_via_t* v = sip->sip_via; v; v = v->v_next) {
    sink = sink + (v->v_host ? std::strlen(v->v_host) : 0) + (v->v_branch ? std::strlen(v->v_branch) : 0);
  }
  for (const sip_route_t* r = sip->sip_route; r; r = r->r_next) url_as_string(home, r->r_url);
  url_as_string(home, sip->sip_request->rq_url);
  for (const sip_contact_t* m = sip->sip_contact; m; m = m->m_next) {
    url_as_string(home, m->m_url);
    sink = sink + (m->m_expires ? std::strlen(m->m_expires) : 0);
  }
  if (sip->sip_expires) sink = sink + sip->sip_expires->ex_delta;
  if (sip->sip_max_forwards) sink = sink + sip->sip_max_forwards->mf_count;
  if (sip->sip_authorization) sip_header_as_string(home, reinterpret_cast<const sip_header_t*>(sip->sip_authorization));
  sink = sink + std::strlen(sip->sip_call_id->i_id) + (sip->sip_to->a_tag ? 1 : 0) +
         (sip->sip_from->a_tag ? 1 : 0);
  // Forwarding: nta encodes the message again (every header from its parsed form once
  // changed, e.g. the pinned Via).
  for (msg_header_t* h = *msg_chain_head(msg); h; h = h->sh_succ) {
    sip_header_as_string(home, reinterpret_cast<const sip_header_t*>(h));
  }
  if (msg_serialize(msg, reinterpret_cast<msg_pub_t*>(sip)) == 0) msg_prepare(msg);
  su_home_deinit(home);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MsgGuard guard{receive(data, size)};
  if (!guard.msg) return 0;
  sip_t* sip = sip_object(guard.msg);
  if (!sip) return 0;
  check_pinned(sip);
  // What reaches the proxy (nta.c agent_recv_request): a request without a fatal parse error
  // that passes sip_sanity_check() (request line, From, To, Call-ID, CSeq and Via present);
  // nta answers the rest 400 itself. A header in sip_error may still reach it.
  if (!sip->sip_request || (sip->sip_flags & MSG_FLG_ERROR) || sip_sanity_check(sip) < 0) return 0;
  p2psip::sip::RequestVerdict v = p2psip::sip::check_request(p2psip::sip::request_shape(sip));
  if (v.status == 0) read_routed(guard.msg, sip);
  return 0;
}
