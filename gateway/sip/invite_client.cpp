#include "gateway/sip/invite_client.h"

#include <openssl/rand.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_stateless.h>
#include <sofia-sip/nta_tport.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_string.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace p2psip::sip {

struct InviteClients::Client {
  Client(InviteClients& o, const InviteClientTimers& t, Millis now, bool reliable)
      : owner(o), core(t, now, reliable) {}
  InviteClients& owner;
  std::string branch;
  std::string url;
  std::string call_id;
  std::uint32_t cseq = 0;
  InviteClientCore core;
  sofia::Message request;  // the INVITE as sent, until the final response
  sofia::Message ack;      // after a non-2xx (§17.1.1.3), for its retransmissions
  tport_t* tport = nullptr;  // where the INVITE is pending for ICMP errors (tport_pend)
  int pending = 0;
  bool transport_failed = false;  // an ICMP error came: handled from the timer
  Callback callback;
  Deadlines::iterator slot;
  bool scheduled = false;
};

namespace {

std::string new_branch() {
  std::uint64_t r = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1) return "";
  char text[48];
  std::snprintf(text, sizeof text, "z9hG4bK-p2pic-%016" PRIx64, r);
  return text;
}

// A request of the INVITE's hop (§9.1 CANCEL, §17.1.1.3 ACK): its Request-URI, From, Call-ID,
// CSeq number and Route set, `to` as To; nta adds the single Via with the INVITE's branch.
sofia::Message hop_request(nta_agent_s* agent, const sip_t* inv, sip_method_t method,
                           const char* name, const sip_to_t* to) {
  sofia::Message m{nta_msg_create(agent, 0)};
  if (!m) return m;
  msg_t* msg = m.get();
  sip_t* sip = sip_object(msg);
  su_home_t* home = msg_home(msg);
  auto* rq = sip_request_create(home, method, name,
                                reinterpret_cast<const url_string_t*>(inv->sip_request->rq_url), nullptr);
  // CSeq as text: the agent's message class has its own CSeq decoder (liberal_parser.h), and
  // a header made with Sofia's default class would not go into such a message.
  std::string cseq = "CSeq: " + std::to_string(inv->sip_cseq->cs_seq) + " " + name + "\r\n";
  if (!rq ||
      msg_header_insert(msg, reinterpret_cast<msg_pub_t*>(sip), reinterpret_cast<msg_header_t*>(rq)) < 0 ||
      sip_add_tl(msg, sip, SIPTAG_HEADER_STR(cseq.c_str()), SIPTAG_MAX_FORWARDS_STR("70"),
                 TAG_IF(inv->sip_route, SIPTAG_ROUTE(inv->sip_route)), SIPTAG_FROM(inv->sip_from), SIPTAG_TO(to),
                 SIPTAG_CALL_ID(inv->sip_call_id), TAG_END()) < 0 ||
      !sip->sip_from || !sip->sip_to || !sip->sip_call_id || !sip->sip_cseq) {  // sip_add_tl stops silently
    m.reset();
  }
  return m;
}

}  // namespace

InviteClients::InviteClients(su_root_s* root, nta_agent_s* agent, const Clock& clock,
                             std::shared_ptr<spdlog::logger> log)
    : agent_(agent), clock_(clock), log_(std::move(log)), timer_(sofia::make_timer(root, 1)) {
  unsigned t1 = 0, t1x64 = 0, timer_c = 0;
  nta_agent_get_params(agent_, NTATAG_SIP_T1_REF(t1), NTATAG_SIP_T1X64_REF(t1x64),
                       NTATAG_TIMER_C_REF(timer_c), TAG_END());
  if (t1 > 0) timers_.t1 = Millis{t1};
  if (t1x64 > 0) timers_.timer_b = Millis{t1x64};
  if (timer_c > 0) timers_.timer_c = Millis{timer_c};
  // §17.1.1.2: "at least 32 seconds for unreliable transports"; nta's max(32 s, 64*T1).
  timers_.timer_d = std::max(Millis{32'000}, timers_.timer_b);
}

InviteClients::~InviteClients() {
  while (!clients_.empty()) erase(*clients_.begin()->second);
  timer_.reset();
}

std::string InviteClients::start(sofia::Message invite, const dns::Target& target,
                                 const std::string& url, Callback on_response) {
  msg_t* m = invite.get();
  const sip_t* sip = sip_object(m);
  if (!timer_ || !sip || !sip->sip_call_id || !sip->sip_cseq) return "";
  std::string branch = new_branch();
  if (branch.empty() || clients_.count(branch) != 0) return "";
  // nta_msg_tsend() takes the reference it is given, even when it fails; ours stays.
  if (nta_msg_tsend(agent_, msg_ref_create(m), URL_STRING_MAKE(url.c_str()),
                    NTATAG_BRANCH_KEY(branch.c_str()), TAG_END()) < 0 ||
      msg_errno(m) != 0) {
    return "";
  }
  // nta sends a request too large for UDP over TCP (RFC 3261 §18.1.1, NTATAG_UDP_MTU): its
  // Via says which went.
  const sip_via_t* via = sip->sip_via;
  bool reliable = via && via->v_protocol && !su_casematch(via->v_protocol, sip_transport_udp);
  auto c = std::make_unique<Client>(*this, timers_, clock_.monotonic(), reliable);
  c->branch = branch;
  c->url = url;
  c->call_id = sip->sip_call_id->i_id;
  c->cseq = sip->sip_cseq->cs_seq;
  c->callback = std::move(on_response);
  std::string port = std::to_string(target.port);
  tp_name_t tpn = {"udp", target.ip.c_str(), target.ip.c_str(), port.c_str(), nullptr, nullptr};
  tport_t* tp = reliable ? nullptr : tport_primary_by_name(nta_agent_tports(agent_), &tpn);
  if (tp) {
    int p = tport_pend(tp, m, reinterpret_cast<tport_pending_error_f*>(&pending_error),
                       reinterpret_cast<tp_client_t*>(c.get()));
    if (p > 0) c->tport = tp, c->pending = p;
  }
  c->request = std::move(invite);
  Client& ref = *c;
  clients_.emplace(branch, std::move(c));
  reschedule(ref);
  return branch;
}

void InviteClients::cancel(const std::string& branch) {
  auto it = clients_.find(branch);
  if (it == clients_.end()) return;
  apply(*it->second, it->second->core.cancel(clock_.monotonic()), nullptr);
}

void InviteClients::release(const std::string& branch) {
  auto it = clients_.find(branch);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  c.callback = nullptr;
  if (c.core.state() != InviteClientCore::State::completed) erase(c);
}

bool InviteClients::take_response(sofia::Message& msg, sip_s* sip) {
  if (!sip->sip_via || !sip->sip_via->v_branch || !sip->sip_status || !sip->sip_call_id ||
      !sip->sip_cseq || sip->sip_cseq->cs_method != sip_method_invite) {
    return false;
  }
  auto it = clients_.find(sip->sip_via->v_branch);
  if (it == clients_.end()) return false;
  Client& c = *it->second;
  if (c.cseq != sip->sip_cseq->cs_seq || c.call_id != sip->sip_call_id->i_id) return false;
  sofia::Message response = std::move(msg);
  log_->debug("INVITE {}: {} received", c.url, sip->sip_status->st_status);
  apply(c, c.core.response(sip->sip_status->st_status, clock_.monotonic()), response.get());
  return true;
}

void InviteClients::apply(Client& c, const InviteClientActions& a, msg_s* response) {
  if (a.retransmit) send_invite(c);
  if (a.send_ack && response) send_ack(c, response);
  if (a.send_cancel) send_cancel(c);
  if (a.pass_on >= 200 || a.terminated) {
    // No retransmission any more: the INVITE is no longer needed.
    if (c.tport) tport_release(c.tport, c.pending, c.request.get(), nullptr,
                               reinterpret_cast<tp_client_t*>(&c), 0);
    c.tport = nullptr;
    c.request.reset();
  }
  Callback callback = a.pass_on != 0 ? c.callback : nullptr;
  if (a.terminated) {
    erase(c);  // `c` is gone
  } else {
    reschedule(c);
  }
  // Last: the proxy may release or cancel from inside.
  if (callback) callback(a.pass_on, a.internal, a.internal ? nullptr : response);
}

void InviteClients::send_invite(Client& c) {
  if (!c.request) return;
  // The INVITE carries our Via already: nta keeps it (NTATAG_USER_VIA), same branch.
  nta_msg_tsend(agent_, msg_ref_create(c.request.get()), URL_STRING_MAKE(c.url.c_str()),
                NTATAG_USER_VIA(1), NTATAG_BRANCH_KEY(c.branch.c_str()), TAG_END());
}

void InviteClients::send_ack(Client& c, msg_s* response) {
  if (!c.ack && c.request) {
    const sip_t* rsp = sip_object(response);
    c.ack = hop_request(agent_, sip_object(c.request.get()), sip_method_ack, "ACK", rsp->sip_to);
  }
  if (!c.ack) return;
  // Sent again for each retransmitted final: the first send put our Via in.
  bool again = sip_object(c.ack.get())->sip_via != nullptr;
  nta_msg_tsend(agent_, msg_ref_create(c.ack.get()), URL_STRING_MAKE(c.url.c_str()),
                NTATAG_USER_VIA(again), NTATAG_BRANCH_KEY(c.branch.c_str()), TAG_END());
}

void InviteClients::send_cancel(Client& c) {
  if (!c.request) return;
  const sip_t* inv = sip_object(c.request.get());
  sofia::Message cancel = hop_request(agent_, inv, sip_method_cancel, "CANCEL", inv->sip_to);
  if (!cancel) {
    log_->warn("INVITE {}: cannot make its CANCEL", c.url);
    return;
  }
  // A non-INVITE transaction of nta's (Timer E/F, its 200 matched there); callback null: it
  // destroys itself on its final response (sofia_handles.h).
  nta_outgoing_s* orq = nta_outgoing_mcreate(agent_, nullptr, nullptr, URL_STRING_MAKE(c.url.c_str()),
                                             cancel.get(), NTATAG_BRANCH_KEY(c.branch.c_str()), TAG_END());
  if (orq) {
    log_->debug("INVITE {}: CANCEL sent", c.url);
    static_cast<void>(cancel.release());
  } else {
    log_->info("CANCEL to {}: cannot send", c.url);
  }
}

void InviteClients::reschedule(Client& c) {
  if (c.scheduled) deadlines_.erase(c.slot);
  c.scheduled = false;
  Millis at = c.transport_failed ? clock_.monotonic() : c.core.deadline();
  if (at == Millis::max()) return;
  c.slot = deadlines_.emplace(at, &c);
  c.scheduled = true;
  if (at < armed_for_ && !in_timer_) arm();
}

void InviteClients::arm() {
  if (deadlines_.empty()) return;
  Millis at = deadlines_.begin()->first;
  Millis now = clock_.monotonic();
  auto ms = static_cast<unsigned>(std::max<long>(1, static_cast<long>((at - now).count())));
  su_timer_reset(timer_.get());
  su_timer_set_interval(timer_.get(), reinterpret_cast<su_timer_f>(&InviteClients::timer_trampoline),
                        reinterpret_cast<su_timer_arg_t*>(this), ms);
  armed_for_ = at;
}

void InviteClients::timer_trampoline(void*, su_timer_s*, void* arg) {
  static_cast<InviteClients*>(arg)->on_timer();
}

void InviteClients::on_timer() {
  armed_for_ = Millis::max();
  in_timer_ = true;  // arm() once, at the end
  Millis now = clock_.monotonic();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    Client& c = *deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    c.scheduled = false;
    if (c.transport_failed) {
      c.transport_failed = false;
      apply(c, c.core.transport_error(), nullptr);
    } else {
      apply(c, c.core.timer(now), nullptr);
    }
  }
  in_timer_ = false;
  arm();
}

void InviteClients::pending_error(void*, void* client, void*, msg_s*, int error) {
  // Inside tport's walk of its pending list: only noted here, handled from the timer.
  auto* c = static_cast<Client*>(client);
  c->owner.log_->info("INVITE to {}: transport error ({})", c->url, error);
  c->transport_failed = true;
  c->owner.reschedule(*c);
}

void InviteClients::erase(Client& c) {
  if (c.tport) tport_release(c.tport, c.pending, c.request.get(), nullptr,
                             reinterpret_cast<tp_client_t*>(&c), 0);
  if (c.scheduled) deadlines_.erase(c.slot);
  std::string key = std::move(c.branch);
  clients_.erase(key);  // destroys `c`
}

}  // namespace p2psip::sip
