#include "gateway/sip/proxy.h"

#include <netdb.h>
#include <strings.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_stateless.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_wait.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "common/log_fields.h"
#include "gateway/sip/local_answer.h"
#include "gateway/sip/proxy_policy.h"
#include "gateway/sip/request_check.h"
#include "gateway/sip/request_shape.h"
#include "gateway/sip/stateless_response.h"
#include "metrics/metrics.h"

namespace p2psip::sip {

namespace {

std::string source_ip(msg_t* msg) {
  su_addrinfo_t* ai = msg_addrinfo(msg);
  if (!ai || !ai->ai_addr) return "";
  char host[NI_MAXHOST] = "";
  if (getnameinfo(ai->ai_addr, static_cast<socklen_t>(ai->ai_addrlen), host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST) != 0) {
    return "";
  }
  std::string ip = host;
  if (ip.rfind("::ffff:", 0) == 0) ip = ip.substr(7);  // IPv4-mapped
  return ip;
}

unsigned port_of(const char* port) { return port && *port ? static_cast<unsigned>(std::atoi(port)) : 5060; }

router::Decision refusal(int status, std::string why) {
  router::Decision d;
  d.status = status;
  d.why = std::move(why);
  return d;
}

router::Decision local() {
  router::Decision d;
  d.kind = router::Decision::Kind::local;
  return d;
}

}  // namespace

Proxy::Proxy(su_root_s* root, nta_agent_s* agent, ProxyDeps deps,
             std::shared_ptr<spdlog::logger> log)
    : agent_(agent), deps_(std::move(deps)), log_(std::move(log)), calls_(deps_.call_max_idle) {
  if (const sip_via_t* via = nta_agent_via(agent_)) {
    own_.host = via->v_host ? via->v_host : "";
    own_.port = port_of(via->v_port);
  }
  reaper_ = sofia::make_timer(root, 1);
  if (deps_.phones) {
    phones_ = std::make_unique<PhoneFrontEnd>(root, agent_, std::move(deps_.phones), *deps_.clock,
                                              *deps_.sip_metrics, *deps_.metrics, log_);
    phone_contacts_ = [this](std::string_view aor) { return phones_->contacts(aor); };
    if (deps_.phone_changed) phones_->on_changed(deps_.phone_changed);
  }
  env_.agent = agent_;
  env_.resolver = deps_.resolver;
  env_.sip_metrics = deps_.sip_metrics;
  env_.metrics = deps_.metrics;
  env_.clock = deps_.clock;
  env_.log = log_;
  env_.parallel = deps_.router.parallel_forking;
  env_.tls = deps_.tls;
  invite_clients_ = std::make_unique<InviteClients>(root, agent_, *deps_.clock, log_);
  env_.invite_clients = invite_clients_.get();
  stateless_ = std::make_unique<StatelessForwarder>(StatelessForwarder::Deps{
      agent_, deps_.resolver, deps_.metrics, deps_.sip_metrics, deps_.tls, log_});
  if (deps_.router.record_route) {
    std::string host = deps_.advertise.host.empty() ? own_.host
                       : deps_.advertise.is_ipv6    ? "[" + deps_.advertise.host + "]"
                                                    : deps_.advertise.host;
    unsigned port = deps_.advertise.host.empty() ? own_.port : deps_.advertise.port;
    env_.record_route = "<sip:" + host + ":" + std::to_string(port) + ";lr>";
    if (deps_.tls) {
      env_.record_route_tls =
          "<sip:" + host + ":" + std::to_string(deps_.tls_port) + ";transport=tls;lr>";
    }
  }
  env_.branch_started = [this](const std::string& b, const std::string& ruri) {
    active_branches_[b] = ruri;
  };
  env_.branch_ended = [this](const std::string& b) { active_branches_.erase(b); };
  unsigned t1x64 = 0;  // RFC 6026 Timer M, 64*T1, as nta took it
  nta_agent_get_params(agent_, NTATAG_SIP_T1X64_REF(t1x64), TAG_END());
  if (t1x64 > 0) accepted_ = AcceptedBranches(Millis{t1x64});
  env_.accepted = [this](const std::string& branch, const std::string& upstream_via) {
    accepted_.remember(branch, upstream_via, deps_.clock->monotonic());
  };
  sweeper_ = sofia::make_timer(root, 1000);
  if (sweeper_) {
    su_timer_set_for_ever(sweeper_.get(), reinterpret_cast<su_timer_f>(&Proxy::sweep_timer),
                          reinterpret_cast<su_timer_arg_t*>(this));
  }
  env_.dialogs_changed = [this](std::string_view call_id, int delta) {
    calls_.changed(call_id, delta, deps_.clock->monotonic());
  };
  env_.finished = [this](std::uint64_t id) {
    to_reap_.push_back(id);
    su_timer_set(reaper_.get(), reinterpret_cast<su_timer_f>(&Proxy::reap_timer),
                 reinterpret_cast<su_timer_arg_t*>(this));
  };
  log_->info("proxy on {}:{} (record-route {}, {} forking)", own_.host, own_.port,
             deps_.router.record_route ? "on" : "off",
             deps_.router.parallel_forking ? "parallel" : "sequential");
}

Proxy::~Proxy() {
  phones_.reset();
  stateless_.reset();
  transactions_.clear();  // they release their INVITE clients
  invite_clients_.reset();
  reaper_.reset();
  sweeper_.reset();
}

void Proxy::reap_timer(void*, su_timer_s*, void* arg) { static_cast<Proxy*>(arg)->reap(); }

void Proxy::sweep_timer(void*, su_timer_s*, void* arg) {
  auto* self = static_cast<Proxy*>(arg);
  self->accepted_.expire(self->deps_.clock->monotonic());
}

void Proxy::reap() {
  auto ids = std::move(to_reap_);
  to_reap_.clear();
  for (auto id : ids) transactions_.erase(id);
}

bool Proxy::is_own(const char* host, const char* port) const {
  if (!host) return false;
  auto p = port_of(port);
  if (p != own_.port && !(deps_.tls && p == deps_.tls_port) && p != deps_.advertise.port) {
    return false;
  }
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (strcasecmp(h.c_str(), own_.host.c_str()) == 0) return true;
  return std::any_of(deps_.own_hosts.begin(), deps_.own_hosts.end(),
                     [&](const std::string& o) { return strcasecmp(o.c_str(), h.c_str()) == 0; });
}

bool Proxy::well_formed(sofia::Message& msg, sip_s* sip) {
  RequestVerdict v = check_request(request_shape(sip));
  if (v.status == 0) return true;
  if (v.status == 400) deps_.metrics->malformed();
  else deps_.metrics->routed(router::Route::rejected);
  const char* method = sip->sip_request->rq_method_name;
  router::DecisionContext c{sip->sip_call_id ? sip->sip_call_id->i_id : "", method ? method : "",
                            "", {}, ""};
  auto fields = router::describe_decision(
      refusal(v.status, v.status == 400 ? "malformed request" : v.phrase), c);
  fields.push_back({"source", source_ip(msg.get())});
  log_->info("{}", log_event("route", fields));
  // Without a Via there is nowhere to answer; an ACK is never answered.
  if (!v.answer || !sip->sip_via) {
    msg.reset();
  } else {
    nta_msg_treply(agent_, msg.release(), v.status, v.phrase.c_str(),
                   TAG_IF(!v.unsupported.empty(), SIPTAG_UNSUPPORTED_STR(v.unsupported.c_str())),
                   TAG_END());
    deps_.sip_metrics->response_sent(v.status);
  }
  return false;
}

bool Proxy::admitted_while_draining(sofia::Message& msg, sip_s* sip) {
  bool draining = deps_.draining && deps_.draining();
  LocalAnswer a = drain_answer(sip->sip_request->rq_method_name, sip->sip_to->a_tag != nullptr,
                               draining);
  if (a.status == 0) return true;
  deps_.metrics->routed(router::Route::rejected);
  std::string retry_after = std::to_string(a.retry_after);
  nta_msg_treply(agent_, msg.release(), a.status, a.phrase,
                 SIPTAG_RETRY_AFTER_STR(retry_after.c_str()), TAG_END());
  deps_.sip_metrics->response_sent(a.status);
  return false;
}

void Proxy::answer_locally(sofia::Message msg, sip_s* sip) {
  const sip_request_t* rq = sip->sip_request;
  LocalAnswer answer = local_answer(rq->rq_method_name, true, !deps_.ready || deps_.ready());
  if (answer.status == 0) return;
  deps_.metrics->routed(router::Route::local);
  // nta_incoming_create() takes the message, even when it fails.
  sofia::ServerTransaction irq(nta_incoming_create(agent_, nullptr, msg.release(), sip, TAG_END()));
  if (!irq) return;
  if (answer.status == 200) {
    nta_incoming_treply(irq.get(), answer.status, answer.phrase,
                        SIPTAG_ALLOW_STR("INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE"),
                        SIPTAG_ACCEPT_STR("application/sdp"), TAG_END());
  } else if (answer.retry_after > 0) {
    nta_incoming_treply(irq.get(), answer.status, answer.phrase,
                        SIPTAG_RETRY_AFTER_STR(std::to_string(answer.retry_after).c_str()),
                        TAG_END());
  } else {
    nta_incoming_treply(irq.get(), answer.status, answer.phrase, TAG_END());
  }
  deps_.sip_metrics->response_sent(answer.status);
}

bool Proxy::looping(sip_s* sip) const {
  std::vector<ViaFacts> vias;
  for (const sip_via_t* v = sip->sip_via; v; v = v->v_next) {
    vias.push_back({v->v_host ? v->v_host : "", port_of(v->v_port), v->v_branch ? v->v_branch : ""});
  }
  std::vector<ActiveBranch> active;
  for (const auto& [b, ruri] : active_branches_) active.push_back({b, ruri});
  sofia::ScopedHome home;
  char* ruri = url_as_string(home.get(), sip->sip_request->rq_url);
  return is_loop(vias, own_.host, own_.port, active, ruri ? ruri : "");
}

Proxy::OwnRoute Proxy::own_route(msg_s* msg, sip_s* sip) const {
  auto ours = [this](const sip_route_t* r) {
    return r && is_own(r->r_url->url_host, r->r_url->url_port);
  };
  OwnRoute own;
  if (!ours(sip->sip_route)) return own;
  // Double Record-Route (RFC 5658) where a dialog crosses between TLS and a plain transport:
  // the in-dialog request carries two Routes of ours; drop the first, the second is popped
  // later (ProxyTransaction, StatelessForwarder) and is the one checked. Both carry the same token.
  if (ours(sip->sip_route->r_next)) sip_route_remove(msg, sip);
  own.popped = true;
  // RFC 3261 §16.4: a Route naming us is removed whoever sent it, but only our own
  // Record-Route token for this dialog, on a request with a To-tag, skips the trust check.
  char token[64] = "";
  const url_t* url = sip->sip_route->r_url;
  if (!sip->sip_to->a_tag || !url->url_params ||
      url_param(url->url_params, RouteToken::kParam.data(), token, sizeof token) == 0) {
    return own;
  }
  own.verified = route_token_.verify(token, sip->sip_call_id->i_id,
                                     sip->sip_from->a_tag ? sip->sip_from->a_tag : "",
                                     sip->sip_to->a_tag);
  return own;
}

router::RequestFacts Proxy::facts(sip_s* sip, const OwnRoute& own, std::string source) const {
  const sip_request_t* rq = sip->sip_request;
  router::RequestFacts f;
  f.method = rq->rq_method_name;
  f.ruri_user = rq->rq_url->url_user ? rq->rq_url->url_user : "";
  f.ruri_host = rq->rq_url->url_host;
  f.ruri_is_gateway = is_own(rq->rq_url->url_host, rq->rq_url->url_port);
  f.own_route_verified = own.verified;
  f.has_route = (own.popped ? sip->sip_route->r_next : sip->sip_route) != nullptr;
  f.in_dialog = sip->sip_to->a_tag != nullptr;
  f.source_ip = std::move(source);
  f.source_known = (deps_.known_sender && deps_.known_sender(f.source_ip)) ||
                   (phones_ && phones_->known_source(f.source_ip));
  return f;
}

std::string Proxy::record_route_params(const sip_s* sip) const {
  if (!deps_.router.record_route) return {};
  return ";" + std::string(RouteToken::kParam) + "=" +
         route_token_.make(sip->sip_call_id->i_id, sip->sip_from->a_tag ? sip->sip_from->a_tag : "");
}

void Proxy::handle_request(sofia::Message msg, sip_s* sip) {
  const sip_request_t* rq = sip->sip_request;
  deps_.sip_metrics->request_received(rq->rq_method_name ? rq->rq_method_name : "");
  if (!well_formed(msg, sip)) return;
  if (!admitted_while_draining(msg, sip)) return;
  std::string source = source_ip(msg.get());
  // Admission control first (overload_gate.h): a refused request costs a stateless 503 only.
  if (deps_.overload && !deps_.overload->admit(agent_, msg, sip, source, transactions_.size())) {
    return;
  }
  OwnRoute own = own_route(msg.get(), sip);
  router::RequestFacts f = facts(sip, own, std::move(source));
  router::DecisionContext c{sip->sip_call_id ? sip->sip_call_id->i_id : "", f.method, "", {}, ""};
  if (rq->rq_method == sip_method_register && phones_ && !f.has_route &&
      (f.ruri_is_gateway || router::is_our_domain(deps_.router, f.ruri_host))) {
    deps_.metrics->routed(router::Route::local);
    log_route(local(), c);
    return phones_->handle(std::move(msg), sip, f.source_ip);
  }
  const sip_route_t* next_route = own.popped ? sip->sip_route->r_next : sip->sip_route;
  c.next_hop = url_as_string(msg_home(msg.get()), next_route ? next_route->r_url : rq->rq_url);

  auto d = router::route(deps_.router, f, phone_contacts_);
  if (f.in_dialog && sip->sip_call_id) calls_.seen(sip->sip_call_id->i_id, deps_.clock->monotonic());
  if (rq->rq_method == sip_method_ack) {
    bool forward = (d.kind == router::Decision::Kind::forward && d.route == router::Route::dialog) ||
                   (d.kind == router::Decision::Kind::resolve_dns && f.in_dialog);
    if (!forward) return;  // ACK for a response of ours, or nowhere to go: dropped
    log_route(d, c, spdlog::level::debug);  // its INVITE's line said where the dialog goes
    return stateless_->forward(std::move(msg), sip, own.popped, false);
  }
  if (d.kind == router::Decision::Kind::local) {
    log_route(d, c);
    return answer_locally(std::move(msg), sip);
  }
  if (rq->rq_method == sip_method_cancel) {
    // nta matches a CANCEL to its INVITE before this callback: this one cancels nothing here.
    log_route(refusal(481, "CANCEL matches no transaction"), c);
    nta_msg_treply(agent_, msg.release(), 481, "Call/Transaction Does Not Exist", TAG_END());
    deps_.sip_metrics->response_sent(481);
    return;
  }
  if (d.kind == router::Decision::Kind::forward &&
      forwards_statelessly(f.method, f.in_dialog, d.route == router::Route::dialog,
                           sip->sip_via->v_protocol ? sip->sip_via->v_protocol : "")) {
    unsigned mf = 0;
    if (!passes_hop_checks(msg, sip, c, mf)) return;
    log_route(d, c);
    deps_.metrics->routed(d.route);
    return stateless_->forward(std::move(msg), sip, own.popped, true);
  }
  start_transaction(std::move(msg), sip, d, own.popped, c);
}

void Proxy::handle_stray_response(sofia::Message msg, sip_s* sip) {
  StrayResponseFacts f;
  f.status = sip->sip_status ? sip->sip_status->st_status : 0;
  f.cseq_invite = sip->sip_cseq && sip->sip_cseq->cs_method == sip_method_invite;
  const sip_via_t* top = sip->sip_via;
  f.top_via_ours = top && is_own(top->v_host, top->v_port);
  // A response to one of our INVITE client transactions (invite_client.h) goes there.
  if (f.top_via_ours && invite_clients_->take_response(msg, sip)) return;
  if (f.top_via_ours && top->v_branch) {
    f.accepted_upstream_via = accepted_.find(top->v_branch, deps_.clock->monotonic());
  }
  if (top && top->v_next) {
    std::string next = header_text(reinterpret_cast<const sip_header_t*>(top->v_next));  // stateless_response.h
    if (!next.empty()) f.second_via = std::move(next);
  }
  if (f.top_via_ours) {
    StatelessResponseCheck c = check_stateless_response(sip, stateless_->branches());
    f.stateless_branch = c.our_prefix;
    f.stateless_verified = c.verified;
  }
  StrayVerdict v = decide_stray_response(f);
  bool stateless = v == StrayVerdict::forward_stateless;
  if (stateless) deps_.sip_metrics->response_received(f.status);
  // The message is nta's once sent: what the dialog count needs is taken before.
  std::string call_id = stateless ? sip->sip_call_id->i_id : "";
  std::string method = stateless && sip->sip_cseq->cs_method_name ? sip->sip_cseq->cs_method_name : "";
  bool forwarded = false;
  if (v == StrayVerdict::forward || stateless) {
    // RFC 3261 §16.7 step 10, §16.11 / §18.2.2: our Via removed, sent to the next one's
    // received and rport (nta_msg_tsend takes the message, even when it fails).
    forwarded = nta_msg_tsend(agent_, msg.release(), nullptr, TAG_END()) == 0;
  }
  if (stateless && forwarded) stateless_response_relayed(call_id, method, f.status);
  if (!stateless) deps_.sip_metrics->stray_response(forwarded);
  log_->debug("stray {} response {}: {}{}", f.cseq_invite ? "INVITE" : "non-INVITE", f.status,
              to_string(v), v == StrayVerdict::forward && !forwarded ? " (cannot send)" : "");
}

void Proxy::log_route(const router::Decision& d, const router::DecisionContext& c,
                      spdlog::level::level_enum level) const {
  if (log_->should_log(level)) log_->log(level, "{}", log_event("route", router::describe_decision(d, c)));
}

bool Proxy::passes_hop_checks(sofia::Message& msg, sip_s* sip, const router::DecisionContext& c,
                              unsigned& max_forwards) {
  auto mf = next_max_forwards(sip->sip_max_forwards
                                  ? std::optional<unsigned>(static_cast<unsigned>(
                                        std::min<unsigned long>(sip->sip_max_forwards->mf_count, 255)))
                                  : std::nullopt);
  if (mf && !looping(sip)) {
    max_forwards = *mf;
    return true;
  }
  int status = mf ? 482 : 483;
  log_route(refusal(status, mf ? "loop detected (RFC 3261 §16.3 step 4)" : "Max-Forwards exhausted"), c);
  nta_msg_treply(agent_, msg.release(), status, mf ? "Loop Detected" : "Too Many Hops", TAG_END());
  deps_.sip_metrics->response_sent(status);
  deps_.metrics->routed(router::Route::rejected);
  return false;
}

void Proxy::stateless_response_relayed(const std::string& call_id, const std::string& method,
                                       int status) {
  deps_.sip_metrics->response_sent(status);
  int delta = dialog_delta(method, false, status, deps_.router.record_route);
  if (delta != 0) calls_.changed(call_id, delta, deps_.clock->monotonic());
}

void Proxy::start_transaction(sofia::Message msg, sip_s* sip, const router::Decision& d,
                              bool popped, const router::DecisionContext& c) {
  unsigned mf = 0;
  if (!passes_hop_checks(msg, sip, c, mf)) return;
  msg_s* request = msg.get();
  // nta_incoming_create() takes the message, even when it fails; the transaction keeps it.
  sofia::ServerTransaction irq(nta_incoming_create(agent_, nullptr, msg.release(), sip, TAG_END()));
  if (!irq) {
    log_->warn("cannot create a server transaction for {}", sip->sip_request->rq_method_name);
    return;
  }
  if (sip->sip_request->rq_method == sip_method_invite) {
    nta_incoming_treply(irq.get(), 100, "Trying", TAG_END());
  }
  std::uint64_t id = next_id_++;
  auto& t = *transactions_.emplace(id, std::make_unique<ProxyTransaction>(
                                           env_, id, std::move(irq), request, popped, mf,
                                           record_route_params(sip)))
                 .first->second;
  act(t, d, c);
}

void Proxy::act(ProxyTransaction& t, const router::Decision& d, const router::DecisionContext& c) {
  using Kind = router::Decision::Kind;
  // A lookup is half a decision: the line comes with its answer (after_lookup).
  log_route(d, c, d.kind == Kind::lookup_overlay ? spdlog::level::debug : spdlog::level::info);
  const std::string& next_hop = c.next_hop;
  switch (d.kind) {
    case Kind::reply:
    case Kind::local:
      deps_.metrics->routed(router::Route::rejected);
      return t.reply(d.status ? d.status : 500, d.phrase.empty() ? "Server Internal Error" : d.phrase.c_str(),
                     d.retry_after);
    case Kind::forward:
      deps_.metrics->routed(d.route);  // dialog, static_table or overlay
      if (d.route == router::Route::dialog) return t.forward_to_next_hop(next_hop, d.route);
      return t.forward_to_contacts(d.targets, d.route);
    case Kind::resolve_dns:
      deps_.metrics->routed(router::Route::dns);
      deps_.metrics->dns_fallback();
      return t.forward_to_next_hop(next_hop, router::Route::dns);
    case Kind::lookup_overlay: {
      std::uint64_t id = t.id();
      deps_.lookup->lookup(d.aor, [this, id, d, c](router::LookupResult r) {
        auto it = transactions_.find(id);
        if (it == transactions_.end() || it->second->answered()) return;
        router::DecisionContext after = c;
        // A found AoR without contacts routes as a miss (after_lookup).
        bool hit = r.status == router::LookupStatus::found && !r.contacts.empty();
        after.lookup = hit || r.status != router::LookupStatus::found ? r.status
                                                                      : router::LookupStatus::not_found;
        after.aor = d.aor;
        act(*it->second, router::after_lookup(deps_.router, d, r), after);
      });
      return;
    }
  }
}

}  // namespace p2psip::sip
