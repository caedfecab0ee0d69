#include "dns/plan.h"

#include <algorithm>
#include <cctype>
#include <span>

#include "dns/naptr.h"
#include "dns/srv.h"

namespace p2psip::dns {
namespace {

std::string normal_name(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  return s;
}

std::span<const RecordType> address_types(AddressFamilies f) {
  static constexpr RecordType v4_first[] = {RecordType::a, RecordType::aaaa};
  static constexpr RecordType v6_first[] = {RecordType::aaaa, RecordType::a};
  switch (f) {
    case AddressFamilies::ipv4_first: return v4_first;
    case AddressFamilies::ipv6_first: return v6_first;
    case AddressFamilies::ipv4_only: return {v4_first, 1};
    case AddressFamilies::ipv6_only: return {v6_first, 1};
  }
  return v4_first;
}

}  // namespace

std::string srv_name(Transport t, const std::string& host) {
  switch (t) {
    case Transport::udp: return "_sip._udp." + host;
    case Transport::tcp: return "_sip._tcp." + host;
    case Transport::tls: return "_sips._tcp." + host;
  }
  return host;
}

ResolutionPlan::ResolutionPlan(SipTarget target, PlanOptions options, Rng rng)
    : target_(std::move(target)), options_(options), rng_(std::move(rng)) {
  std::optional<Transport> fixed = fixed_transport(target_);
  if (target_.numeric()) {
    std::uint16_t port = target_.port.value_or(default_port(*fixed));
    finish({Target{*fixed, target_.host, port, target_.host}});
  } else if (target_.port) {
    start_address({HostPort{*fixed, target_.host, *target_.port}});
  } else if (fixed) {
    branches_ = {Branch{*fixed, srv_name(*fixed, target_.host)}};
    start_stage(Stage::srv, {Query{branches_.front().srv_name, RecordType::srv}});
  } else {
    start_stage(Stage::naptr, {Query{target_.host, RecordType::naptr}});
  }
}

std::vector<Query> ResolutionPlan::take_queries() { return std::exchange(outgoing_, {}); }

void ResolutionPlan::start_stage(Stage stage, std::vector<Query> queries) {
  stage_ = stage;
  waiting_.clear();
  for (Query& q : queries) {
    bool dup = std::any_of(waiting_.begin(), waiting_.end(),
                           [&](const auto& w) { return w.first == q; });
    if (dup) continue;
    waiting_.emplace_back(q, std::nullopt);
    outgoing_.push_back(std::move(q));
  }
}

void ResolutionPlan::on_answer(const Query& query, const DnsAnswer& answer) {
  if (stage_ == Stage::done) return;
  auto it = std::find_if(waiting_.begin(), waiting_.end(),
                         [&](const auto& w) { return w.first == query && !w.second; });
  if (it == waiting_.end()) return;
  it->second = answer;
  note_failure(answer);
  if (std::any_of(waiting_.begin(), waiting_.end(), [](const auto& w) { return !w.second; })) {
    return;
  }
  switch (stage_) {
    case Stage::naptr: naptr_done(); break;
    case Stage::srv: srv_done(); break;
    case Stage::address: address_done(); break;
    case Stage::done: break;
  }
}

void ResolutionPlan::note_failure(const DnsAnswer& a) {
  saw_timeout_ |= a.result == QueryResult::timeout;
  saw_servfail_ |= a.result == QueryResult::servfail;
  saw_error_ |= a.result == QueryResult::error;
}

const DnsAnswer& ResolutionPlan::answer_for(const Query& q) const {
  auto it = std::find_if(waiting_.begin(), waiting_.end(),
                         [&](const auto& w) { return w.first == q; });
  return *it->second;  // every query of the stage is answered before *_done() runs
}

void ResolutionPlan::naptr_done() {
  const DnsAnswer& a = waiting_.front().second.value();
  if (a.result == QueryResult::nxdomain) {  // RFC 8020: nothing exists below this name either
    finish({});
    return;
  }
  std::vector<NaptrChoice> choices;
  if (a.result == QueryResult::ok) choices = select_naptr(a.naptr, target_.secure);
  if (!choices.empty()) {
    naptr_first_ = choices.front().transport;
    for (NaptrChoice& c : choices) branches_.push_back(Branch{c.transport, std::move(c.srv_name)});
  } else if (target_.secure) {
    branches_ = {Branch{Transport::tls, srv_name(Transport::tls, target_.host)}};
  } else {
    for (Transport t : {Transport::udp, Transport::tcp, Transport::tls}) {
      branches_.push_back(Branch{t, srv_name(t, target_.host)});
    }
  }
  std::vector<Query> queries;
  for (const Branch& b : branches_) queries.push_back(Query{b.srv_name, RecordType::srv});
  start_stage(Stage::srv, std::move(queries));
}

void ResolutionPlan::srv_done() {
  std::vector<HostPort> hosts;
  bool any_srv = false;
  for (const Branch& b : branches_) {
    const DnsAnswer& a = answer_for(Query{b.srv_name, RecordType::srv});
    if (a.result != QueryResult::ok || a.srv.empty()) continue;
    any_srv = true;
    if (srv_unavailable(a.srv)) {
      unavailable_ = true;
      continue;
    }
    for (SrvRecord& r : order_srv(a.srv, rng_)) {
      hosts.push_back(HostPort{b.transport, normal_name(std::move(r.target)), r.port});
    }
  }
  if (hosts.empty() && !any_srv) {
    // §4.2: no SRV at all: A/AAAA of the domain at the default port of the chosen transport.
    Transport t = naptr_first_.value_or(target_.transport.value_or(
        target_.secure ? Transport::tls : Transport::udp));
    hosts.push_back(HostPort{t, target_.host, default_port(t)});
  }
  if (hosts.empty()) {
    finish({});
    return;
  }
  start_address(std::move(hosts));
}

void ResolutionPlan::start_address(std::vector<HostPort> hosts) {
  hosts_ = std::move(hosts);
  std::vector<Query> queries;
  for (const HostPort& h : hosts_) {
    for (RecordType t : address_types(options_.families)) queries.push_back(Query{h.host, t});
  }
  start_stage(Stage::address, std::move(queries));
}

void ResolutionPlan::address_done() {
  std::vector<Target> targets;
  for (const HostPort& h : hosts_) {
    for (RecordType t : address_types(options_.families)) {
      const DnsAnswer& a = answer_for(Query{h.host, t});
      if (a.result != QueryResult::ok) continue;
      for (const std::string& ip : a.addresses) {
        Target target{h.transport, ip, h.port, h.host};
        if (std::find(targets.begin(), targets.end(), target) == targets.end()) {
          targets.push_back(std::move(target));
        }
      }
    }
  }
  finish(std::move(targets));
}

void ResolutionPlan::finish(std::vector<Target> targets) {
  stage_ = Stage::done;
  outgoing_.clear();
  if (!targets.empty()) {
    result_ = std::move(targets);
    return;
  }
  ResolveError e{ResolveError::Kind::no_records, target_.host, ""};
  bool all_nx = !waiting_.empty() && std::all_of(waiting_.begin(), waiting_.end(), [](const auto& w) {
    return w.second && w.second->result == QueryResult::nxdomain;
  });
  if (saw_timeout_) {
    e.kind = ResolveError::Kind::timeout;
  } else if (saw_servfail_) {
    e.kind = ResolveError::Kind::servfail;
  } else if (unavailable_) {
    e.kind = ResolveError::Kind::unavailable;
  } else if (all_nx) {
    e.kind = ResolveError::Kind::nxdomain;
    e.name = waiting_.front().first.name;
  } else if (saw_error_) {
    e.kind = ResolveError::Kind::error;
  }
  result_ = unexpected(std::move(e));
}

}  // namespace p2psip::dns
