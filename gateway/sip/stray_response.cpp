#include "gateway/sip/stray_response.h"

namespace p2psip::sip {

StrayVerdict decide_stray_response(const StrayResponseFacts& f) {
  if (f.stateless_branch) {
    // §16.11: a response to a request forwarded statelessly goes on whatever its status.
    if (!f.top_via_ours) return StrayVerdict::not_our_via;
    if (!f.second_via) return StrayVerdict::no_next_via;
    if (!f.stateless_verified) return StrayVerdict::stateless_unverified;
    return StrayVerdict::forward_stateless;
  }
  // Only a 2xx to INVITE is forwarded without a transaction (RFC 3261 §16.7 step 10, RFC 6026
  // §7.2); other stray responses are absorbed.
  if (!f.cseq_invite || f.status < 200 || f.status > 299) return StrayVerdict::not_2xx_invite;
  if (!f.top_via_ours) return StrayVerdict::not_our_via;
  if (!f.accepted_upstream_via) return StrayVerdict::unknown_branch;
  if (!f.second_via) return StrayVerdict::no_next_via;
  if (*f.second_via != *f.accepted_upstream_via) return StrayVerdict::next_via_altered;
  return StrayVerdict::forward;
}

std::string_view to_string(StrayVerdict v) {
  switch (v) {
    case StrayVerdict::forward: return "forwarded";
    case StrayVerdict::not_2xx_invite: return "not a 2xx to INVITE";
    case StrayVerdict::not_our_via: return "top Via is not ours";
    case StrayVerdict::unknown_branch: return "branch not in the Accepted state";
    case StrayVerdict::no_next_via: return "no next Via";
    case StrayVerdict::next_via_altered: return "next Via differs from the request's";
    case StrayVerdict::forward_stateless: return "forwarded (stateless request)";
    case StrayVerdict::stateless_unverified: return "stateless branch does not verify";
  }
  return "?";
}

void AcceptedBranches::expire(Millis now) {
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    if (it != entries_.end() && it->second.expires > now && entries_.size() < max_entries_) break;
    if (it != entries_.end()) entries_.erase(it);
    order_.pop_front();
  }
}

void AcceptedBranches::remember(const std::string& branch, std::string upstream_via, Millis now) {
  if (max_entries_ == 0) return;
  if (auto it = entries_.find(branch); it != entries_.end()) {
    it->second.upstream_via = std::move(upstream_via);
    return;
  }
  expire(now);  // also makes room: size < max_entries_ afterwards
  entries_.emplace(branch, Entry{std::move(upstream_via), now + ttl_});
  order_.push_back(branch);
}

std::optional<std::string> AcceptedBranches::find(const std::string& branch, Millis now) {
  auto it = entries_.find(branch);
  if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
  return it->second.upstream_via;
}

}  // namespace p2psip::sip
