#include "gateway/sip/fork_core.h"

#include <algorithm>

#include "gateway/sip/proxy_policy.h"

namespace p2psip::sip {

namespace {

ForkAction action(ForkAction::Kind kind, std::size_t branch, int status = 0) {
  ForkAction a;
  a.kind = kind;
  a.branch = branch;
  a.status = status;
  return a;
}

}  // namespace

ForkActions ForkCore::fork(std::size_t destinations) {
  ForkActions out;
  if (answered_ || !branches_.empty()) return out;  // answered (a CANCEL came first), or forked
  branches_.resize(destinations);
  if (branches_.empty()) {
    answer(480, "Temporarily Unavailable", 0, out);
    return out;
  }
  for (std::size_t b = 0; b < branches_.size(); ++b) {
    start(b, out);
    if (!parallel_) break;
  }
  return out;
}

ForkActions ForkCore::reply(int status, std::string phrase, std::uint32_t retry_after) {
  ForkActions out;
  answer(status, std::move(phrase), retry_after, out);
  return out;
}

ForkActions ForkCore::resolved(std::size_t b, std::size_t targets, int no_target_status) {
  ForkActions out;
  Branch& br = branches_.at(b);
  br.resolving = false;
  br.targets = targets;
  if (targets == 0) br.last_failure = no_target_status;
  send_next(b, out);
  return out;
}

ForkActions ForkCore::send_failed(std::size_t b) {
  ForkActions out;
  branches_.at(b).in_flight = false;
  send_next(b, out);
  return out;
}

ForkActions ForkCore::response(std::size_t b, int status, bool internal, Millis now) {
  ForkActions out;
  Branch& br = branches_.at(b);
  if (status < 200) {
    if (status > 100 && !answered_) out.push_back(action(ForkAction::Kind::relay, b, status));
    return out;
  }
  if (status < 300) {
    br.final = status;
    if (invite_ || !answered_) out.push_back(action(ForkAction::Kind::relay, b, status));
    if (!got_2xx_ && invite_) {
      auto a = action(ForkAction::Kind::call_setup, b, status);
      a.elapsed = now - started_at_;
      out.push_back(a);
    }
    got_2xx_ = true;
    answered_ = true;
    cancel_pending(out);
    branch_done(out);
    return out;
  }
  if (fail_over_on(status) && br.next < br.targets && !stopped()) {
    br.last_failure = status;
    br.in_flight = false;
    auto a = action(ForkAction::Kind::retire, b, status);
    a.target = br.next;
    out.push_back(a);
    send_next(b, out);
    return out;
  }
  if (fail_over_on(status)) out.push_back(action(ForkAction::Kind::exhausted, b, status));
  on_final(b, status, internal, out);
  return out;
}

ForkActions ForkCore::cancel() {
  ForkActions out;
  cancelled_ = true;
  cancel_pending(out);
  branch_done(out);
  return out;
}

void ForkCore::start(std::size_t b, ForkActions& out) {
  branches_[b].started = true;
  branches_[b].resolving = true;
  out.push_back(action(ForkAction::Kind::resolve, b));
}

void ForkCore::send_next(std::size_t b, ForkActions& out) {
  Branch& br = branches_[b];
  if (!stopped() && br.next < br.targets) {
    auto a = action(ForkAction::Kind::send, b);
    a.target = br.next++;
    br.in_flight = true;
    out.push_back(a);
    return;
  }
  out.push_back(action(ForkAction::Kind::exhausted, b));
  on_final(b, cancelled_ ? 487 : br.last_failure, true, out);
}

void ForkCore::on_final(std::size_t b, int status, bool internal, ForkActions& out) {
  branches_[b].final = status;
  branches_[b].internal_final = internal;
  if (status >= 600) {
    got_6xx_ = true;
    cancel_pending(out);
  }
  branch_done(out);
}

bool ForkCore::all_final() const {
  return std::all_of(branches_.begin(), branches_.end(),
                     [](const Branch& b) { return b.final != 0 || !b.started; });
}

void ForkCore::branch_done(ForkActions& out) {
  if (!answered_ && !stopped() && !parallel_) {
    for (std::size_t b = 0; b < branches_.size(); ++b) {
      if (!branches_[b].started) return start(b, out);  // sequential forking: the next contact
    }
  }
  if (!all_final()) return;
  if (!answered_) send_best(out);
  check_finished(out);
}

void ForkCore::send_best(ForkActions& out) {
  std::vector<int> finals;
  std::vector<std::size_t> from;
  for (std::size_t b = 0; b < branches_.size(); ++b) {
    if (branches_[b].final) {
      finals.push_back(branches_[b].final);
      from.push_back(b);
    }
  }
  auto best = best_response(finals);
  if (!best) {
    return answer(cancelled_ ? 487 : 500,
                  cancelled_ ? "Request Terminated" : "Server Internal Error", 0, out);
  }
  std::size_t b = from[*best];
  const Branch& br = branches_[b];
  int status = upstream_status(br.final);
  if (br.internal_final || status != br.final) {
    return answer(status, "", 0, out);  // nothing to relay, or the 503 that becomes 500
  }
  auto a = action(ForkAction::Kind::relay_best, b, status);
  if (status == 401 || status == 407) {
    for (std::size_t other : from) {
      const Branch& o = branches_[other];
      if (other != b && (o.final == 401 || o.final == 407) && !o.internal_final) {
        a.challenges.push_back(other);
      }
    }
  }
  out.push_back(std::move(a));
  answered_ = true;
}

void ForkCore::answer(int status, std::string phrase, std::uint32_t retry_after, ForkActions& out) {
  if (answered_) return;
  answered_ = true;
  auto a = action(ForkAction::Kind::reply, 0, status);
  a.phrase = std::move(phrase);
  a.retry_after = retry_after;
  out.push_back(std::move(a));
  check_finished(out);
}

void ForkCore::cancel_pending(ForkActions& out) {
  for (std::size_t b = 0; b < branches_.size(); ++b) {
    Branch& br = branches_[b];
    if (br.final) continue;
    if (br.resolving) {
      br.resolving = false;
      out.push_back(action(ForkAction::Kind::stop_resolving, b));
      br.final = 487;
      br.internal_final = true;
    } else if (br.in_flight) {
      // nta sends no CANCEL for other methods (§9.1); their branches end by themselves.
      if (invite_) out.push_back(action(ForkAction::Kind::cancel, b));
    } else if (br.started) {
      br.final = 487;
      br.internal_final = true;
    }
  }
}

void ForkCore::check_finished(ForkActions& out) {
  if (finished_ || !answered_ || !all_final()) return;
  finished_ = true;
  out.push_back(action(ForkAction::Kind::finished, 0));
}

}  // namespace p2psip::sip
