// Any octets: parsed as nta parses them received as one UDP datagram, and again as a TCP
// stream arriving in two reads, with the gateway's own message class (PinnedViaClass: the
// pinned top Via and the liberal decoders of liberal_parser.h); for each message every header
// the proxy reads is read, the request checks of request_check.h run, and a request they let
// through is encoded again (as forwarding does) and parsed back. No crash, no leak, no
// sanitizer report; the invariants below hold.
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

// nta's receive path (tport.c tport_parse, tport_type_udp.c tport_recv_dgram,
// tport_type_tcp.c tport_recv_stream): messages of the agent's class with the agent's flags
// (nta.c: MSG_DO_CANONIC) and size limit (sip_agent.h kMaxMessageBytes); each read goes into
// the buffer msg_recv_iovec() gives and is committed; msg_extract() then runs until it needs
// more. A datagram is one read, complete; a stream is the same bytes in two reads, then the end
// of the stream, with the messages after the first one (pipelined) made by msg_next().
constexpr usize_t kMaxMessageBytes = 65536;

const p2psip::sip::PinnedViaClass& message_class() {
  static const std::unique_ptr<p2psip::sip::PinnedViaClass> cls = p2psip::sip::PinnedViaClass::create();
  if (!cls) __builtin_trap();  // the default class no longer has the layout expected
  return *cls;
}

void set_source(msg_t* msg) {
  su_sockaddr_t from{};
  from.su_sin.sin_family = AF_INET;
  from.su_sin.sin_port = htons(40000);
  inet_pton(AF_INET, "192.0.2.9", &from.su_sin.sin_addr);
  msg_set_address(msg, &from, sizeof from.su_sin);
}

msg_t* new_message() {
  msg_t* msg = msg_create(message_class().mclass(), MSG_DO_CANONIC);
  if (!msg) __builtin_trap();
  msg_maxsize(msg, kMaxMessageBytes);
  set_source(msg);
  return msg;
}

// One read of `size` octets; `eos`: the last one (a datagram; the end of a stream, 0 octets).
// False: too large, tport drops it.
bool read_into(msg_t* msg, const std::uint8_t* data, std::size_t size, bool dgram, bool eos) {
  msg_iovec_t vec[4] = {};
  issize_t n = msg_recv_iovec(msg, vec, 4, size, dgram);
  if (n < 0) return false;
  std::size_t at = 0;
  for (issize_t i = 0; i < n && at < size; ++i) {
    std::size_t take = vec[i].mv_len < size - at ? vec[i].mv_len : size - at;
    std::memcpy(vec[i].mv_base, data + at, take);
    at += take;
  }
  if (at != size) __builtin_trap();  // msg_recv_iovec gave less room than asked for
  msg_recv_commit(msg, size, eos);
  return true;
}

// The pinned Via (via_pin.h): the top Via of a request names the source, never a maddr.
void check_pinned(const sip_t* sip) {
  for (const sip_via_t* v = sip->sip_via; v; v = v->v_next) {
    if (v->v_common->h_class != sip_via_class) __builtin_trap();  // Sofia's own class back
  }
  if (!sip->sip_request || !sip->sip_via) return;
  // As parsed, and as copied into a reply (nta's replies carry a sip_via_dup() of it, which
  // recomputes the fields from the parameters).
  su_home_t home[1] = {SU_HOME_INIT(home)};
  const sip_via_t* copy = sip_via_dup(home, sip->sip_via);
  for (const sip_via_t* v : {static_cast<const sip_via_t*>(sip->sip_via), copy}) {
    if (!v) continue;
    if (!v->v_received || std::string_view(v->v_received) != "192.0.2.9" || v->v_maddr) {
      __builtin_trap();
    }
    if (v->v_rport && std::string_view(v->v_rport) != "40000") __builtin_trap();
  }
  su_home_deinit(home);
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

bool same(const char* a, const char* b) { return (!a && !b) || (a && b && std::strcmp(a, b) == 0); }

// What the gateway would forward parses again with the same request line and CSeq (the part
// our decoders make). Not the other headers: Sofia accepts some it cannot encode back, e.g.
// `Route: 8sip:h>` (an addr-spec holding ">") is encoded `<8sip:h>>`, which it then refuses.
void check_reparse(msg_t* msg, sip_t* sip) {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  std::size_t len = 0;
  char* text = msg_as_string(home, msg, reinterpret_cast<msg_pub_t*>(sip), 0, &len);
  msg_t* again = new_message();
  if (text && len < kMaxMessageBytes &&
      read_into(again, reinterpret_cast<const std::uint8_t*>(text), len, true, true)) {
    msg_extract(again);
    sip_t* b = sip_object(again);
    if (!b || !b->sip_request || !b->sip_cseq ||
        b->sip_request->rq_method != sip->sip_request->rq_method ||
        !same(b->sip_request->rq_method_name, sip->sip_request->rq_method_name) ||
        !same(url_as_string(home, b->sip_request->rq_url), url_as_string(home, sip->sip_request->rq_url)) ||
        b->sip_cseq->cs_seq != sip->sip_cseq->cs_seq ||
        !same(b->sip_cseq->cs_method_name, sip->sip_cseq->cs_method_name)) {
      __builtin_trap();
    }
  }
  msg_destroy(again);
  su_home_deinit(home);
}

// What nta and the proxy do with one message tport delivers. `addressed`: the source address
// was set before its first octet was parsed (not so for a pipelined message, via_pin.h).
void deliver(msg_t* msg, bool addressed) {
  sip_t* sip = sip_object(msg);
  if (!sip) return;
  if (addressed) check_pinned(sip);
  // What reaches the proxy (nta.c agent_recv_request): a request without a fatal parse error
  // that passes sip_sanity_check() (request line, From, To, Call-ID, CSeq and Via present);
  // nta answers the rest 400 itself. A header in sip_error may still reach it.
  if (!sip->sip_request || (sip->sip_flags & MSG_FLG_ERROR) || sip_sanity_check(sip) < 0) return;
  p2psip::sip::RequestVerdict v = p2psip::sip::check_request(p2psip::sip::request_shape(sip));
  if (v.status != 0) return;
  read_routed(msg, sip);
  check_reparse(msg, sip);
}

// tport_parse(): extracts and delivers every complete message; `complete` (a datagram, the end
// of a stream): an incomplete one is an error. After an error a stream reads no more (stall).
// Returns the message that waits for more octets, or nullptr.
msg_t* parse(msg_t* msg, bool complete, bool stream, bool& addressed, bool& stalled) {
  while (msg) {
    int n = msg_extract(msg);
    if (n == 0 && !complete) return msg;
    if (n == 0) msg_mark_as_complete(msg, MSG_FLG_ERROR), n = -1;
    msg_t* next = n < 0 || !stream ? nullptr : msg_next(msg);
    if (n < 0) stalled = true;
    deliver(msg, addressed);
    msg_destroy(msg);
    msg = next;
    addressed = false;
  }
  return nullptr;
}

void datagram(const std::uint8_t* data, std::size_t size) {
  msg_t* msg = new_message();
  bool addressed = true, stalled = false;
  if (!read_into(msg, data, size, true, true)) return msg_destroy(msg);
  parse(msg, true, false, addressed, stalled);
}

// The bytes as a TCP connection delivers them in two reads split at `split`, then its end.
void stream(const std::uint8_t* data, std::size_t size, std::size_t split) {
  msg_t* msg = nullptr;
  bool addressed = false, stalled = false;
  const std::size_t cuts[] = {0, split, size, size};
  for (int i = 0; i < 3 && !stalled; ++i) {
    bool eos = i == 2;
    if (!msg && eos) break;  // every message was delivered
    if (!eos && cuts[i + 1] == cuts[i]) continue;  // tport reads 0 octets only at the end
    if (!msg) msg = new_message(), addressed = true;
    else set_source(msg);  // tport sets it at every read
    if (!read_into(msg, data + cuts[i], cuts[i + 1] - cuts[i], false, eos)) break;  // 413, closed
    msg = parse(msg, eos, true, addressed, stalled);
    if (eos && msg) __builtin_trap();  // parse() delivers every message at the end
  }
  if (msg) msg_destroy(msg);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  datagram(data, size);
  // The split point comes from the last octet, so that the fuzzer can move it.
  std::size_t split = size == 0 ? 0 : size * data[size - 1] / 256;
  stream(data, size, split);
  return 0;
}
