#include "gateway/sip/proxy_transaction.h"

#include <strings.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>

#include "gateway/sip/dialog_count.h"
#include "gateway/sip/invite_client.h"
#include "gateway/sip/message_copy.h"
#include "gateway/sip/proxy_policy.h"
#include "gateway/sip/stateless_response.h"
#include "metrics/metrics.h"

namespace p2psip::sip {

struct ProxyTransaction::Branch {
  ProxyTransaction* owner = nullptr;
  std::size_t index = 0;    // in branches_ and in the core
  std::string request_uri;  // "" keeps the received Request-URI
  std::string resolve_uri;  // what RFC 3263 resolves to targets
  std::vector<dns::Target> targets;
  dns::Resolver::Id resolving = 0;
  sofia::ClientTransaction orq;  // nta's, or:
  bool own = false;              // our INVITE client transaction (invite_client.h), by branch_id
  std::string branch_id;         // Via branch, for loop detection and the Accepted state
  sofia::Message response;       // the last response received, for relaying
};

namespace {

bool creates_dialog(std::string_view method) {
  return method == "INVITE" || method == "SUBSCRIBE" || method == "REFER";
}

bool is_invite(msg_s* request) { return sip_object(request)->sip_request->rq_method == sip_method_invite; }

}  // namespace

ProxyTransaction::ProxyTransaction(ProxyEnv& env, std::uint64_t id, sofia::ServerTransaction irq,
                                   msg_s* request, bool pop_own_route, unsigned max_forwards,
                                   std::string rr_params)
    : env_(env),
      id_(id),
      irq_(std::move(irq)),
      request_(sofia::add_ref(request)),
      method_(sip_object(request)->sip_request->rq_method_name),
      invite_(is_invite(request)),
      initial_(sip_object(request)->sip_to == nullptr || sip_object(request)->sip_to->a_tag == nullptr),
      pop_own_route_(pop_own_route),
      max_forwards_(max_forwards),
      rr_params_(std::move(rr_params)),
      core_(invite_, env.parallel, env.clock->monotonic()) {
  if (invite_) {
    nta_incoming_bind(irq_.get(), reinterpret_cast<nta_ack_cancel_f*>(&cancel_trampoline),
                      reinterpret_cast<nta_incoming_magic_t*>(this));
  }
  env_.metrics->transaction_started(metrics::TransactionSide::kServer);
}

ProxyTransaction::~ProxyTransaction() {
  for (auto& b : branches_) {
    if (b->resolving) env_.resolver->cancel(b->resolving);
    retire(*b);
  }
  for (std::size_t i = 0; i < retired_.size(); ++i) {
    env_.metrics->transaction_ended(metrics::TransactionSide::kClient);
  }
  retired_.clear();
  if (irq_ && !core_.answered()) {
    nta_incoming_treply(irq_.get(), 500, "Server Internal Error", TAG_END());
  }
  irq_.reset();
  request_.reset();
  env_.metrics->transaction_ended(metrics::TransactionSide::kServer);
}

void ProxyTransaction::forward_to_contacts(const std::vector<std::string>& contacts,
                                           router::Route route) {
  route_ = route;
  for (const auto& c : contacts) {
    auto b = std::make_unique<Branch>();
    b->owner = this;
    b->index = branches_.size();
    b->request_uri = c;
    b->resolve_uri = c;
    branches_.push_back(std::move(b));
  }
  run(core_.fork(branches_.size()));
}

void ProxyTransaction::forward_to_next_hop(const std::string& next_hop, router::Route route) {
  route_ = route;
  auto b = std::make_unique<Branch>();
  b->owner = this;
  b->index = branches_.size();
  b->resolve_uri = next_hop;
  branches_.push_back(std::move(b));
  run(core_.fork(branches_.size()));
}

void ProxyTransaction::reply(int status, const char* phrase, std::uint32_t retry_after) {
  run(core_.reply(status, phrase ? phrase : "", retry_after));
}

void ProxyTransaction::run(const ForkActions& actions, Branch* responding) {
  for (const auto& a : actions) perform(a, responding);
}

void ProxyTransaction::perform(const ForkAction& a, Branch* responding) {
  using Kind = ForkAction::Kind;
  Branch* b = a.branch < branches_.size() ? branches_[a.branch].get() : nullptr;
  switch (a.kind) {
    case Kind::resolve: return start_resolving(*b);
    case Kind::stop_resolving:
      env_.resolver->cancel(b->resolving);
      b->resolving = 0;
      return;
    case Kind::send:
      if (!send(*b, a.target)) run(core_.send_failed(b->index));
      return;
    case Kind::retire:
      env_.log->info("{} {}: {} from target {}, trying the next", method_, b->resolve_uri, a.status,
                     a.target);
      return retire(*b);
    case Kind::cancel:
      if (b->own) return env_.invite_clients->cancel(b->branch_id);
      // The CANCEL transaction destroys itself on its final response (sofia_handles.h).
      nta_outgoing_tcancel(b->orq.get(), nullptr, nullptr, TAG_END());
      return;
    case Kind::relay:
      if (responding) relay(*responding, a.status);
      return;
    case Kind::relay_best: {
      std::vector<Branch*> challenges;
      for (std::size_t other : a.challenges) challenges.push_back(branches_[other].get());
      return relay(*b, a.status, challenges);
    }
    case Kind::reply: return send_reply(a);
    case Kind::exhausted:
      if (route_ == router::Route::dns) env_.metrics->dns_fallback_failure();
      return;
    case Kind::call_setup:
      env_.metrics->call_setup(std::chrono::duration<double>(a.elapsed).count());
      return;
    case Kind::finished:
      env_.log->debug("{} transaction {} finished ({} branches)", method_, id_, branches_.size());
      env_.finished(id_);
      return;
  }
}

void ProxyTransaction::start_resolving(Branch& b) {
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
  int no_target = 503;
  if (b.targets.empty()) {
    env_.log->info("{} {}: no usable target ({})", method_, b.resolve_uri,
                   result ? "only TLS targets and no sip_tls_listen" : result.error().message());
    bool unknown = !result && (result.error().kind == dns::ResolveError::Kind::nxdomain ||
                               result.error().kind == dns::ResolveError::Kind::no_records);
    no_target = unknown ? 404 : 503;
  }
  run(core_.resolved(b.index, b.targets.size(), no_target));
}

bool ProxyTransaction::send(Branch& b, std::size_t target) {
  if (b.orq || b.own) retire(b);  // the core retires first; never drop a live transaction
  const dns::Target& t = b.targets.at(target);
  std::string url = nta_route_url(t);
  sofia::Message msg = build_request(b, target);
  if (!msg) return false;
  std::string ruri = url_as_string(msg_home(request_.get()), sip_object(msg.get())->sip_request->rq_url);
  bool own = invite_ && env_.invite_clients && t.transport == dns::Transport::udp;
  std::string branch = own ? start_own_invite(b, t, url, std::move(msg)) : start_nta(b, url, std::move(msg));
  if (branch.empty()) {
    env_.log->info("{} to {}: cannot send", method_, url);
    return false;
  }
  b.branch_id = branch;
  env_.metrics->transaction_started(metrics::TransactionSide::kClient);
  env_.metrics->request_forwarded(method_, route_);
  env_.branch_started(b.branch_id, ruri);
  env_.log->debug("{} {} -> {} (route {})", method_, b.resolve_uri, url, router::to_string(route_));
  return true;
}

std::string ProxyTransaction::start_nta(Branch& b, const std::string& url, sofia::Message msg) {
  nta_outgoing_s* orq = nta_outgoing_mcreate(
      env_.agent, reinterpret_cast<nta_response_f*>(&response_trampoline),
      reinterpret_cast<nta_outgoing_magic_t*>(&b), URL_STRING_MAKE(url.c_str()), msg.get(), TAG_END());
  if (!orq) return "";  // mcreate leaves the message to us on failure
  static_cast<void>(msg.release());  // nta owns it now
  b.orq.reset(orq);
  const char* branch = nta_outgoing_branch(orq);
  return branch ? branch : "";
}

std::string ProxyTransaction::start_own_invite(Branch& b, const dns::Target& t, const std::string& url,
                                               sofia::Message msg) {
  std::string branch = env_.invite_clients->start(
      std::move(msg), t, url,
      [this, &b](int status, bool internal, msg_s* response) { on_own_response(b, status, internal, response); });
  b.own = !branch.empty();
  return branch;
}

void ProxyTransaction::on_own_response(Branch& b, int status, bool internal, msg_s* response) {
  b.response = sofia::add_ref(response);  // null for our own internal responses
  if (!internal) env_.sip_metrics->response_received(status);
  run(core_.response(b.index, status, internal, env_.clock->monotonic()), &b);
}

sofia::Message ProxyTransaction::build_request(const Branch& b, std::size_t target) const {
  sofia::Message copy = forwarding_copy(request_.get());  // message_copy.h
  if (!copy) return copy;
  msg_t* msg = copy.get();
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
    bool out_tls = b.targets.at(target).transport == dns::Transport::tls;
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
  return copy;
}

int ProxyTransaction::response_trampoline(void* magic, nta_outgoing_s* orq, const sip_s* sip) {
  auto* b = static_cast<Branch*>(magic);
  b->owner->on_response(*b, orq, sip);
  return 0;
}

void ProxyTransaction::on_response(Branch& b, nta_outgoing_s* orq, const sip_s* sip) {
  int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
  bool internal = true;
  b.response.reset(nta_outgoing_getresponse(orq));
  if (b.response) internal = nta_msg_is_internal(b.response.get());
  if (!internal) env_.sip_metrics->response_received(status);
  run(core_.response(b.index, status, internal, env_.clock->monotonic()), &b);
}

namespace {

// Adds the challenges of another branch's 401/407 to the response going upstream.
void add_challenges(msg_t* to, msg_t* from) {
  if (!from) return;
  if (const sip_t* sip = sip_object(from)) {
    if (sip->sip_www_authenticate) {
      msg_header_add_dup(to, nullptr, reinterpret_cast<const msg_header_t*>(sip->sip_www_authenticate));
    }
    if (sip->sip_proxy_authenticate) {
      msg_header_add_dup(to, nullptr, reinterpret_cast<const msg_header_t*>(sip->sip_proxy_authenticate));
    }
  }
}

}  // namespace

void ProxyTransaction::relay(Branch& b, int status, const std::vector<Branch*>& challenges) {
  sofia::Message copy;
  if (b.response) copy = forwarding_copy(b.response.get());
  if (!copy) return;
  sip_via_remove(copy.get(), sip_object(copy.get()));  // ours: the response goes on along the rest
  for (Branch* other : challenges) add_challenges(copy.get(), other->response.get());
  if (nta_incoming_mreply(irq_.get(), copy.release()) < 0) {  // takes the message, even failing
    env_.log->info("{}: cannot relay {}", method_, status);
    return;
  }
  env_.sip_metrics->response_sent(status);
  count_dialog(status);
  if (status >= 200 && status < 300 && method_ == "INVITE") accepted(b);
}

void ProxyTransaction::accepted(const Branch& b) {
  const std::string& branch = b.branch_id;
  const sip_t* sip = sip_object(request_.get());
  if (!env_.accepted || branch.empty() || !sip || !sip->sip_via) return;
  // The Via as received and pinned (via_pin.h); its own text, not the whole Via list.
  std::string via = header_text(reinterpret_cast<const sip_header_t*>(sip->sip_via));
  if (!via.empty()) env_.accepted(branch, via);
}

void ProxyTransaction::count_dialog(int status) {
  int delta = dialog_delta(method_, initial_, status, !env_.record_route.empty());
  const sip_call_id_t* id = sip_object(request_.get())->sip_call_id;
  if (delta != 0 && id && env_.dialogs_changed) env_.dialogs_changed(id->i_id, delta);
}

void ProxyTransaction::send_reply(const ForkAction& a) {
  const char* standard = sip_status_phrase(a.status);
  const char* phrase = !a.phrase.empty() ? a.phrase.c_str() : standard ? standard : "Failed";
  if (a.retry_after > 0) {
    nta_incoming_treply(irq_.get(), a.status, phrase,
                        SIPTAG_RETRY_AFTER_STR(std::to_string(a.retry_after).c_str()), TAG_END());
  } else {
    nta_incoming_treply(irq_.get(), a.status, phrase, TAG_END());
  }
  env_.sip_metrics->response_sent(a.status);
  count_dialog(a.status);
}

int ProxyTransaction::cancel_trampoline(void* magic, nta_incoming_s*, const sip_s* sip) {
  auto* self = static_cast<ProxyTransaction*>(magic);
  self->env_.log->debug("{} transaction {}: {} received", self->method_, self->id_,
                        sip && sip->sip_request ? sip->sip_request->rq_method_name : "?");
  if (sip && sip->sip_request && sip->sip_request->rq_method == sip_method_cancel) {
    self->run(self->core_.cancel());
  }
  return 0;
}

void ProxyTransaction::retire(Branch& b) {
  if (b.own) {
    // Ours: no callback from here on; one in Timer D stays there to ACK retransmissions.
    env_.invite_clients->release(b.branch_id);
    env_.branch_ended(b.branch_id);
    env_.metrics->transaction_ended(metrics::TransactionSide::kClient);
    b.own = false;
    return;
  }
  if (!b.orq) return;
  if (!b.branch_id.empty()) env_.branch_ended(b.branch_id);
  retired_.push_back(std::move(b.orq));
}

}  // namespace p2psip::sip
