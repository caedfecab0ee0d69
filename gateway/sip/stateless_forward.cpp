#include "gateway/sip/stateless_forward.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_stateless.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>

#include "gateway/sip/proxy_policy.h"
#include "gateway/sip/stateless_response.h"
#include "metrics/metrics.h"

namespace p2psip::sip {

StatelessForwarder::StatelessForwarder(Deps deps, StatelessBranch branch)
    : deps_(std::move(deps)), branches_(std::move(branch)) {}

StatelessForwarder::~StatelessForwarder() {
  for (auto& [key, p] : pending_) deps_.resolver->cancel(p.id);
  pending_.clear();
}

void StatelessForwarder::forward(sofia::Message msg, sip_s* sip, bool pop_route, bool keyed_branch) {
  msg_t* m = msg.get();
  const char* method = sip->sip_request->rq_method_name;
  if (pending_.size() >= kMaxPending) {
    // A flood must not become a flood of log lines: the first refusal and every 1024th.
    if (refused_++ % 1024 == 0) {
      deps_.log->warn("{} not forwarded: {} requests already wait for their next hop ({} refused "
                      "so far)", method, pending_.size(), refused_);
    }
    return;
  }
  if (pop_route) sip_route_remove(m, sip);
  const url_t* hop = sip->sip_route ? sip->sip_route->r_url : sip->sip_request->rq_url;
  unsigned long mf = sip->sip_max_forwards ? sip->sip_max_forwards->mf_count : 70;
  if (mf == 0) return;  // dropped
  if (sip->sip_max_forwards) msg_header_remove(m, nullptr, reinterpret_cast<msg_header_t*>(sip->sip_max_forwards));
  sip_add_tl(m, sip, SIPTAG_MAX_FORWARDS_STR(std::to_string(mf - 1).c_str()), TAG_END());
  Pending p;
  if (keyed_branch && sip->sip_via && sip->sip_call_id && sip->sip_cseq) {
    // The top Via as received and pinned (via_pin.h), the one the responses go on to.
    std::string via = header_text(reinterpret_cast<const sip_header_t*>(sip->sip_via));
    if (!via.empty()) {
      p.branch = branches_.make(via, sip->sip_call_id->i_id, sip->sip_cseq->cs_seq,
                                sip->sip_cseq->cs_method_name ? sip->sip_cseq->cs_method_name : "");
    }
    if (p.branch.empty()) return answer_unroutable(std::move(msg), std::vector<dns::Target>{});
  }
  std::string uri = url_as_string(msg_home(m), hop);
  std::uint64_t key = next_key_++;
  p.msg = std::move(msg);
  auto& entry = pending_[key] = std::move(p);
  // The callback never runs inside resolve(), so the entry is complete when it does.
  entry.id = deps_.resolver->resolve(
      uri, [this, key, uri](dns::ResolveResult r) { resolved(key, uri, r); });
}

void StatelessForwarder::resolved(std::uint64_t key, const std::string& uri,
                                  const dns::ResolveResult& r) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  const dns::Target* target = nullptr;
  if (r) {
    for (const auto& t : *r) {
      if (t.transport != dns::Transport::tls || deps_.tls) {
        target = &t;
        break;
      }
    }
  }
  const sip_t* sip = sip_object(p.msg.get());
  std::string method = sip->sip_request->rq_method_name;
  if (!target) {
    deps_.log->info("{} to {}: no usable target", method, uri);
    if (!p.branch.empty()) answer_unroutable(std::move(p.msg), r);
    return;
  }
  std::string url = nta_route_url(*target);
  // nta_msg_tsend() takes the message, even when it fails.
  int sent = nta_msg_tsend(deps_.agent, p.msg.release(), URL_STRING_MAKE(url.c_str()),
                           TAG_IF(!p.branch.empty(), NTATAG_BRANCH_KEY(p.branch.c_str())),
                           TAG_END());
  if (sent < 0) {
    deps_.log->info("{} to {}: cannot send", method, url);
  } else {
    deps_.metrics->request_forwarded(method, router::Route::dialog);
    deps_.log->debug("{} {} -> {} (stateless)", method, uri, url);
  }
}

void StatelessForwarder::answer_unroutable(sofia::Message msg, const dns::ResolveResult& r) {
  bool unknown = !r && (r.error().kind == dns::ResolveError::Kind::nxdomain ||
                        r.error().kind == dns::ResolveError::Kind::no_records);
  int status = unknown ? 404 : 503;
  // nta_msg_treply() takes the message, even when it fails.
  nta_msg_treply(deps_.agent, msg.release(), status, sip_status_phrase(status), TAG_END());
  deps_.sip_metrics->response_sent(status);
}

}  // namespace p2psip::sip
