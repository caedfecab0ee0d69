#include "gateway/sip/proxy_transaction.h"

#include <strings.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>

#include <algorithm>

#include "gateway/sip/proxy_policy.h"
#include "metrics/metrics.h"

namespace p2psip::sip {

struct ProxyTransaction::Branch {
  ProxyTransaction* owner = nullptr;
  std::string request_uri;  // "" keeps the received Request-URI
  std::string resolve_uri;  // what RFC 3263 resolves to targets
  std::vector<dns::Target> targets;
  std::size_t next = 0;
  bool started = false;
  dns::Resolver::Id resolving = 0;
  nta_outgoing_s* orq = nullptr;
  std::string branch_id;  // Via branch of orq, for loop detection
  int last_failure = 503;
  int final = 0;
  bool internal_final = false;  // final status made up by nta or by us (no message to relay)
};

namespace {

metrics::GatewayRoute gateway_route(router::Route r) {
  switch (r) {
    case router::Route::overlay: return metrics::GatewayRoute::kOverlay;
    case router::Route::static_table: return metrics::GatewayRoute::kStatic;
    case router::Route::dns: return metrics::GatewayRoute::kDns;
    case router::Route::dialog: return metrics::GatewayRoute::kDialog;
  }
  return metrics::GatewayRoute::kDns;
}

bool creates_dialog(std::string_view method) {
  return method == "INVITE" || method == "SUBSCRIBE" || method == "REFER";
}

}  // namespace

ProxyTransaction::ProxyTransaction(ProxyEnv& env, std::uint64_t id, nta_incoming_s* irq,
                                   msg_s* request, bool pop_own_route, unsigned max_forwards,
                                   std::string rr_params)
    : env_(env),
      id_(id),
      irq_(irq),
      request_(msg_ref_create(request)),
      pop_own_route_(pop_own_route),
      max_forwards_(max_forwards),
      rr_params_(std::move(rr_params)),
      started_at_(env.clock->monotonic()) {
  sip_t* sip = sip_object(request_);
  method_ = sip->sip_request->rq_method_name;
  invite_ = sip->sip_request->rq_method == sip_method_invite;
  if (invite_) {
    nta_incoming_bind(irq_, reinterpret_cast<nta_ack_cancel_f*>(&cancel_trampoline),
                      reinterpret_cast<nta_incoming_magic_t*>(this));
  }
  env_.metrics->transaction_started(metrics::TransactionSide::kServer);
}

ProxyTransaction::~ProxyTransaction() {
  for (auto& b : branches_) {
    if (b->resolving) env_.resolver->cancel(b->resolving);
    retire(*b);
  }
  for (auto* orq : retired_) {
    nta_outgoing_destroy(orq);
    env_.metrics->transaction_ended(metrics::TransactionSide::kClient);
  }
  if (irq_) {
    if (!answered_) nta_incoming_treply(irq_, 500, "Server Internal Error", TAG_END());
    nta_incoming_destroy(irq_);
  }
  msg_destroy(request_);
  env_.metrics->transaction_ended(metrics::TransactionSide::kServer);
}

void ProxyTransaction::forward_to_contacts(const std::vector<std::string>& contacts,
                                           router::Route route) {
  route_ = route;
  for (const auto& c : contacts) {
    auto b = std::make_unique<Branch>();
    b->owner = this;
    b->request_uri = c;
    b->resolve_uri = c;
    branches_.push_back(std::move(b));
  }
  if (branches_.empty()) return reply(480, "Temporarily Unavailable");
  for (auto& b : branches_) {
    start_branch(*b);
    if (!env_.parallel || answered_) break;
  }
}

void ProxyTransaction::forward_to_next_hop(const std::string& next_hop, router::Route route) {
  route_ = route;
  auto b = std::make_unique<Branch>();
  b->owner = this;
  b->resolve_uri = next_hop;
  branches_.push_back(std::move(b));
  start_branch(*branches_.back());
}

void ProxyTransaction::reply(int status, const char* phrase, std::uint32_t retry_after) {
  if (answered_) return;
  answered_ = true;
  if (retry_after > 0) {
    nta_incoming_treply(irq_, status, phrase, SIPTAG_RETRY_AFTER_STR(std::to_string(retry_after).c_str()),
                        TAG_END());
  } else {
    nta_incoming_treply(irq_, status, phrase, TAG_END());
  }
  env_.sip_metrics->response_sent(status);
  check_finished();
}

void ProxyTransaction::start_branch(Branch& b) {
  b.started = true;
  // The callback never runs inside resolve(), and never after cancel().
  b.resolving = env_.resolver->resolve(b.resolve_uri, [this, &b](dns::ResolveResult r) {
    b.resolving = 0;
    on_resolved(b, r);
  });
}

void ProxyTransaction::on_resolved(Branch& b, const dns::ResolveResult& result) {
  if (result) {
    for (const auto& t : *result) {
      if (t.transport != dns::Transport::tls || env_.tls) b.targets.push_back(t);
    }
  }
  if (b.targets.empty()) {
    env_.log->info("{} {}: no usable target ({})", method_, b.resolve_uri,
                   result ? "only TLS targets and no sip_tls_listen" : result.error().message());
    bool unknown = !result && (result.error().kind == dns::ResolveError::Kind::nxdomain ||
                               result.error().kind == dns::ResolveError::Kind::no_records);
    b.last_failure = unknown ? 404 : 503;
  }
  send_next(b);
}

void ProxyTransaction::send_next(Branch& b) {
  while (!cancelled_ && b.next < b.targets.size()) {
    const auto& target = b.targets[b.next++];
    std::string url = nta_route_url(target);
    msg_t* msg = build_request(b);
    if (!msg) break;
    b.orq = nta_outgoing_mcreate(env_.agent, reinterpret_cast<nta_response_f*>(&response_trampoline),
                                 reinterpret_cast<nta_outgoing_magic_t*>(&b),
                                 URL_STRING_MAKE(url.c_str()), msg, TAG_END());
    if (!b.orq) {
      msg_destroy(msg);
      env_.log->info("{} to {}: cannot send", method_, url);
      continue;
    }
    env_.metrics->transaction_started(metrics::TransactionSide::kClient);
    env_.metrics->request_forwarded(method_, gateway_route(route_));
    const char* branch = nta_outgoing_branch(b.orq);
    b.branch_id = branch ? branch : "";
    const url_t* ruri = nta_outgoing_request_uri(b.orq);
    env_.branch_started(b.branch_id, ruri ? url_as_string(msg_home(request_), ruri) : "");
    env_.log->debug("{} {} -> {} (route {})", method_, b.resolve_uri, url, router::to_string(route_));
    return;
  }
  if (route_ == router::Route::dns) env_.metrics->dns_fallback_failure();
  on_final(b, cancelled_ ? 487 : b.last_failure, nullptr, true);
}

msg_s* ProxyTransaction::build_request(const Branch& b) {
  msg_t* msg = msg_copy(request_);
  if (!msg) return nullptr;
  sip_t* sip = sip_object(msg);
  su_home_t* home = msg_home(msg);
  if (!b.request_uri.empty()) {
    auto* rq = sip_request_create(home, sip->sip_request->rq_method,
                                  sip->sip_request->rq_method_name,
                                  URL_STRING_MAKE(b.request_uri.c_str()), nullptr);
    if (rq) msg_header_replace(msg, nullptr, reinterpret_cast<msg_header_t*>(sip->sip_request),
                               reinterpret_cast<msg_header_t*>(rq));
  }
  if (pop_own_route_ && sip->sip_route) sip_route_remove(msg, sip);
  if (sip->sip_max_forwards) msg_header_remove(msg, nullptr, reinterpret_cast<msg_header_t*>(sip->sip_max_forwards));
  sip_add_tl(msg, sip, SIPTAG_MAX_FORWARDS_STR(std::to_string(max_forwards_).c_str()), TAG_END());
  if (!env_.record_route.empty() && creates_dialog(method_) && !(sip->sip_to && sip->sip_to->a_tag)) {
    // A TLS leg gets our TLS address with transport=tls; a dialog between a TLS leg and a
    // plain one gets both (RFC 5658 double Record-Route): the inbound side's first, then the
    // outbound side's on top, so that each side's route set reaches us over its own transport.
    bool in_tls = sip->sip_via && sip->sip_via->v_protocol &&
                  strcasecmp(sip->sip_via->v_protocol, "SIP/2.0/TLS") == 0;
    bool out_tls = b.next > 0 && b.next <= b.targets.size() &&
                   b.targets[b.next - 1].transport == dns::Transport::tls;
    auto rr_for = [&](bool tls) {
      std::string rr = tls && !env_.record_route_tls.empty() ? env_.record_route_tls : env_.record_route;
      return rr.insert(rr.size() - 1, rr_params_);  // "<sip:...;lr" + params + ">"
    };
    std::vector<std::string> rrs = {rr_for(in_tls)};
    if (rr_for(out_tls) != rrs.front()) rrs.push_back(rr_for(out_tls));
    for (const auto& text : rrs) {
      auto* rr = sip_record_route_make(home, text.c_str());
      if (rr) msg_header_insert(msg, nullptr, reinterpret_cast<msg_header_t*>(rr));
    }
  }
  return msg;
}

int ProxyTransaction::response_trampoline(void* magic, nta_outgoing_s* orq, const sip_s* sip) {
  auto* b = static_cast<Branch*>(magic);
  return b->owner->on_response(*b, orq, sip);
}

int ProxyTransaction::on_response(Branch& b, nta_outgoing_s* orq, const sip_s* sip) {
  int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
  msg_t* rsp = nta_outgoing_getresponse(orq);
  bool internal = !rsp || nta_msg_is_internal(rsp);
  if (rsp) msg_destroy(rsp);
  if (!internal) env_.sip_metrics->response_received(status);
  if (status < 200) {
    if (status > 100 && !answered_) relay(orq, status);
    return 0;
  }
  if (status < 300) {
    b.final = status;
    if (invite_ || !answered_) relay(orq, status);  // every 2xx of an INVITE goes upstream
    if (!got_2xx_ && invite_) {
      env_.metrics->call_setup(
          std::chrono::duration<double>(env_.clock->monotonic() - started_at_).count());
    }
    got_2xx_ = true;
    answered_ = true;
    cancel_pending();
    branch_done();
    return 0;
  }
  if (fail_over_on(status) && b.next < b.targets.size() && !cancelled_) {
    env_.log->info("{} {}: {} from target {}, trying the next", method_, b.resolve_uri, status, b.next);
    b.last_failure = status;
    retire(b);
    send_next(b);
    return 0;
  }
  if (route_ == router::Route::dns && fail_over_on(status)) env_.metrics->dns_fallback_failure();
  on_final(b, status, orq, internal);
  return 0;
}

void ProxyTransaction::on_final(Branch& b, int status, nta_outgoing_s*, bool internal) {
  b.final = status;
  b.internal_final = internal;
  if (status >= 600) cancel_pending();
  branch_done();
}

void ProxyTransaction::branch_done() {
  if (!answered_ && !cancelled_ && !env_.parallel) {
    for (auto& b : branches_) {
      if (!b->started) return start_branch(*b);  // sequential forking: the next contact
    }
  }
  bool all_final = std::all_of(branches_.begin(), branches_.end(),
                               [](const auto& b) { return b->final != 0 || !b->started; });
  if (!all_final) return;
  if (!answered_) send_best();
  check_finished();
}

void ProxyTransaction::send_best() {
  std::vector<int> finals;
  std::vector<Branch*> from;
  for (auto& b : branches_) {
    if (b->final) {
      finals.push_back(b->final);
      from.push_back(b.get());
    }
  }
  auto best = best_response(finals);
  if (!best) return reply(cancelled_ ? 487 : 500, cancelled_ ? "Request Terminated" : "Server Internal Error");
  Branch& b = *from[*best];
  int status = upstream_status(b.final);
  if (b.internal_final || !b.orq || status != b.final) {
    // Nothing to relay (no response, or the 503 that becomes 500): our own answer.
    return reply(status, sip_status_phrase(status) ? sip_status_phrase(status) : "Failed");
  }
  std::vector<nta_outgoing_s*> challenges;
  if (status == 401 || status == 407) {
    for (Branch* other : from) {
      bool challenge = other->final == 401 || other->final == 407;
      if (other != &b && challenge && other->orq && !other->internal_final) {
        challenges.push_back(other->orq);
      }
    }
  }
  relay(b.orq, status, challenges);
  answered_ = true;
}

namespace {

// Adds the challenges of another branch's 401/407 to the response going upstream.
void add_challenges(msg_t* to, nta_outgoing_s* from) {
  msg_t* rsp = nta_outgoing_getresponse(from);
  if (!rsp) return;
  if (const sip_t* sip = sip_object(rsp)) {
    if (sip->sip_www_authenticate) {
      msg_header_add_dup(to, nullptr, reinterpret_cast<const msg_header_t*>(sip->sip_www_authenticate));
    }
    if (sip->sip_proxy_authenticate) {
      msg_header_add_dup(to, nullptr, reinterpret_cast<const msg_header_t*>(sip->sip_proxy_authenticate));
    }
  }
  msg_destroy(rsp);
}

}  // namespace

void ProxyTransaction::relay(nta_outgoing_s* orq, int status,
                             const std::vector<nta_outgoing_s*>& challenges) {
  msg_t* rsp = nta_outgoing_getresponse(orq);
  if (!rsp) return;
  msg_t* copy = msg_copy(rsp);
  msg_destroy(rsp);
  if (!copy) return;
  sip_via_remove(copy, sip_object(copy));  // ours: the response goes on along the rest
  for (nta_outgoing_s* other : challenges) add_challenges(copy, other);
  if (nta_incoming_mreply(irq_, copy) < 0) {
    env_.log->info("{}: cannot relay {}", method_, status);
    return;
  }
  env_.sip_metrics->response_sent(status);
}

int ProxyTransaction::cancel_trampoline(void* magic, nta_incoming_s*, const sip_s* sip) {
  auto* self = static_cast<ProxyTransaction*>(magic);
  self->env_.log->debug("{} transaction {}: {} received", self->method_, self->id_,
                        sip && sip->sip_request ? sip->sip_request->rq_method_name : "?");
  if (sip && sip->sip_request && sip->sip_request->rq_method == sip_method_cancel) {
    self->cancelled_ = true;
    self->cancel_pending();
    self->branch_done();
  }
  return 0;
}

void ProxyTransaction::cancel_pending() {
  for (auto& b : branches_) {
    if (b->final) continue;
    if (b->resolving) {
      env_.resolver->cancel(b->resolving);
      b->resolving = 0;
      b->final = 487;
      b->internal_final = true;
    } else if (b->orq) {
      nta_outgoing_tcancel(b->orq, nullptr, nullptr, TAG_END());
    } else if (b->started) {
      b->final = 487;
      b->internal_final = true;
    }
  }
}

void ProxyTransaction::retire(Branch& b) {
  if (!b.orq) return;
  if (!b.branch_id.empty()) env_.branch_ended(b.branch_id);
  retired_.push_back(b.orq);
  b.orq = nullptr;
}

void ProxyTransaction::check_finished() {
  if (finished_ || !answered_) return;
  bool all_final = std::all_of(branches_.begin(), branches_.end(),
                               [](const auto& b) { return b->final != 0 || !b->started; });
  if (!all_final) return;
  finished_ = true;
  env_.log->debug("{} transaction {} finished ({} branches)", method_, id_, branches_.size());
  env_.finished(id_);
}

}  // namespace p2psip::sip
