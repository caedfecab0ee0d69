#include "overlay/sim/sim_network.h"

#include <algorithm>

#include "overlay/storage/sim_data_signer.h"

namespace p2psip::sim {

namespace {

std::unique_ptr<storage::ReplicatedStore> make_store(const SimConfig& c,
                                                     const storage::KindRegistry& kinds,
                                                     bool client) {
  if (!c.storage || client) return nullptr;
  return std::make_unique<storage::ReplicatedStore>(
      kinds, [](const wire::Message&) { return std::make_unique<storage::SimDataVerifier>(); },
      c.storage_config);
}

}  // namespace

struct SimNetwork::Peer {
  Peer(peer::PeerConfig cfg, std::unique_ptr<storage::ReplicatedStore> s)
      : signer(cfg.node_id), store(std::move(s)), core(std::move(cfg), signer, store.get()) {}
  peer::SimSigner signer;
  std::unique_ptr<storage::ReplicatedStore> store;
  peer::PeerCore core;
  bool alive = true;
  bool started = false;
  std::uint32_t incarnation = 0;
  Millis timer_at = Millis::max();
  std::vector<peer::LinkId> links;
};

SimNetwork::SimNetwork(SimConfig config) : config_(std::move(config)), rng_(config_.seed) {
  for (const auto& k : config_.kinds) kinds_.add(k);
}
SimNetwork::~SimNetwork() = default;

Millis SimNetwork::latency() {
  auto span = static_cast<std::uint64_t>((config_.max_latency - config_.min_latency).count()) + 1;
  return config_.min_latency + Millis{static_cast<std::int64_t>(rng_.next() % span)};
}

wire::IpAddressPort SimNetwork::address(PeerIndex i) const {
  wire::IpAddressPort a;
  a.type = wire::AddressType::kIpv4;
  a.addr[0] = std::byte{10};
  a.addr[1] = static_cast<std::byte>((i >> 16) & 0xff);
  a.addr[2] = static_cast<std::byte>((i >> 8) & 0xff);
  a.addr[3] = static_cast<std::byte>(i & 0xff);
  a.port = 6084;
  return a;
}

PeerIndex SimNetwork::add_peer(const NodeId& id, const std::vector<PeerIndex>& bootstrap,
                               bool client) {
  auto index = static_cast<PeerIndex>(peers_.size());
  peer::PeerConfig cfg = config_.peer_defaults;
  cfg.node_id = id;
  cfg.listen = address(index);
  cfg.seed = rng_.next();
  cfg.transaction_ids = peer::seeded_transaction_ids(cfg.seed ^ chord::high64(id));  // replayable
  cfg.bootstrap.clear();
  for (PeerIndex b : bootstrap) cfg.bootstrap.push_back(address(b));
  cfg.client = client;
  peers_.push_back(std::make_unique<Peer>(std::move(cfg), make_store(config_, kinds_, client)));
  return index;
}

peer::PeerCore& SimNetwork::core(PeerIndex i) { return peers_.at(i)->core; }
storage::ReplicatedStore* SimNetwork::storage(PeerIndex i) { return peers_.at(i)->store.get(); }
bool SimNetwork::alive(PeerIndex i) const { return peers_.at(i)->alive; }
bool SimNetwork::joined(PeerIndex i) const {
  return peers_.at(i)->alive && peers_.at(i)->core.state() == peer::PeerState::kJoined;
}

void SimNetwork::start(PeerIndex i) {
  peers_.at(i)->started = true;
  peers_[i]->core.start(now_);
  drain(i);
}

void SimNetwork::leave(PeerIndex i) {
  peers_.at(i)->core.leave(now_);
  drain(i);
}

void SimNetwork::kill(PeerIndex i) {
  Peer& p = *peers_.at(i);
  p.alive = false;
  for (peer::LinkId l : std::vector<peer::LinkId>(p.links)) do_close(i, l, config_.failure_detection);
  p.links.clear();
}

void SimNetwork::restart(PeerIndex i, const std::vector<PeerIndex>& bootstrap) {
  if (peers_.at(i)->alive) return;
  peer::PeerConfig cfg = peers_[i]->core.config();
  cfg.seed = rng_.next();
  cfg.transaction_ids = peer::seeded_transaction_ids(cfg.seed ^ chord::high64(cfg.node_id));
  cfg.bootstrap.clear();
  for (PeerIndex b : bootstrap) cfg.bootstrap.push_back(address(b));
  bool client = cfg.client;
  std::uint32_t incarnation = peers_[i]->incarnation + 1;
  peers_[i] = std::make_unique<Peer>(std::move(cfg), make_store(config_, kinds_, client));
  peers_[i]->incarnation = incarnation;
  start(i);
}

void SimNetwork::partition(std::function<int(PeerIndex)> group) { group_ = std::move(group); }

bool SimNetwork::connected_groups(PeerIndex a, PeerIndex b) const {
  return !group_ || group_(a) == group_(b);
}

void SimNetwork::request(PeerIndex i, const wire::Destination& dest, wire::MessageCode code,
                         Bytes body, peer::RequestCallback cb) {
  peers_.at(i)->core.send_request(now_, dest, code, std::move(body), std::move(cb));
  drain(i);
}

void SimNetwork::push(Event e) {
  e.seq = seq_++;
  e.incarnation = peers_[e.peer]->incarnation;
  queue_.push(std::move(e));
}

void SimNetwork::drain(PeerIndex i) {
  Peer& p = *peers_[i];
  while (p.core.has_actions()) {
    for (auto& a : p.core.take_actions()) {
      if (auto* s = std::get_if<peer::SendOnLink>(&a)) {
        do_send(i, *s);
      } else if (auto* o = std::get_if<peer::OpenLink>(&a)) {
        do_open(i, *o);
      } else if (auto* c = std::get_if<peer::CloseLink>(&a)) {
        do_close(i, c->link, latency());
      }
    }
  }
  if (p.alive && p.core.state() == peer::PeerState::kLeft) {
    p.alive = false;
    return;
  }
  auto d = p.core.next_deadline();
  if (p.alive && d && *d < p.timer_at) {
    p.timer_at = std::max(*d, now_);
    push(Event{p.timer_at, 0, Kind::kTimer, i, 0, false, nullptr, nullptr});
  }
}

void SimNetwork::do_send(PeerIndex from, const peer::SendOnLink& s) {
  auto it = links_.find(s.link);
  if (it == links_.end() || !it->second.open) return;
  Link& l = it->second;
  PeerIndex to = l.a == from ? l.b : l.a;
  if (!connected_groups(from, to)) return;
  if (config_.loss > 0 && static_cast<double>(rng_.next() % 1000000) < config_.loss * 1e6) return;
  Millis& last = l.a == from ? l.last_ab : l.last_ba;
  Millis extra{0};
  if (auto slow = slow_.find({from, to}); slow != slow_.end()) extra = slow->second;
  last = std::max(last, now_ + latency() + extra);  // ordered, like TCP
  ++messages_;
  bytes_ += s.bytes.size();
  push(Event{last, 0, Kind::kDeliver, to, s.link, false,
             std::make_shared<const Bytes>(s.bytes), nullptr});
}

void SimNetwork::do_open(PeerIndex from, const peer::OpenLink& o) {
  auto target = static_cast<PeerIndex>((std::to_integer<unsigned>(o.addr.addr[1]) << 16) |
                                       (std::to_integer<unsigned>(o.addr.addr[2]) << 8) |
                                       std::to_integer<unsigned>(o.addr.addr[3]));
  bool ok = target < peers_.size() && target != from && peers_[target]->alive &&
            peers_[target]->started && connected_groups(from, target) &&
            (!o.expected || *o.expected == peers_[target]->core.node_id());
  if (!ok) {
    push(Event{now_ + config_.connect_timeout, 0, Kind::kLinkFailed, from, 0, false, nullptr,
               std::make_shared<const peer::OpenLink>(o)});
    return;
  }
  peer::LinkId id = next_link_++;
  links_[id] = Link{from, target, now_, now_, true};
  peers_[from]->links.push_back(id);
  peers_[target]->links.push_back(id);
  Millis at = now_ + latency();
  push(Event{at, 0, Kind::kLinkUp, target, id, false, nullptr, nullptr});
  push(Event{at, 0, Kind::kLinkUp, from, id, true, nullptr, nullptr});
}

void SimNetwork::do_close(PeerIndex from, peer::LinkId link, Millis detect) {
  auto it = links_.find(link);
  if (it == links_.end()) return;
  PeerIndex other = it->second.a == from ? it->second.b : it->second.a;
  links_.erase(it);
  std::erase(peers_[from]->links, link);
  std::erase(peers_[other]->links, link);
  push(Event{now_ + detect, 0, Kind::kLinkDown, other, link, false, nullptr, nullptr});
  push(Event{now_, 0, Kind::kLinkDown, from, link, false, nullptr, nullptr});
}

void SimNetwork::dispatch(const Event& e) {
  Peer& p = *peers_[e.peer];
  if (!p.alive || e.incarnation != p.incarnation) return;
  switch (e.kind) {
    case Kind::kDeliver:
      if (!links_.count(e.link)) return;  // closed while in flight
      p.core.on_message(now_, e.link, ByteView(*e.bytes));
      break;
    case Kind::kLinkUp: {
      auto it = links_.find(e.link);
      if (it == links_.end()) return;
      PeerIndex other = it->second.a == e.peer ? it->second.b : it->second.a;
      p.core.on_link_up(now_, e.link, peers_[other]->core.node_id(), e.outbound);
      break;
    }
    case Kind::kLinkDown: p.core.on_link_down(now_, e.link); break;
    case Kind::kLinkFailed: p.core.on_link_failed(now_, *e.open); break;
    case Kind::kTimer:
      if (e.at == p.timer_at) p.timer_at = Millis::max();
      p.core.on_timer(now_);
      break;
  }
  drain(e.peer);
}

void SimNetwork::run_for(Millis d) {
  run_until([] { return false; }, now_ + d);
}

bool SimNetwork::run_until(const std::function<bool()>& done, Millis limit) {
  while (!done()) {
    if (queue_.empty() || queue_.top().at > limit) {
      now_ = std::max(now_, limit);
      return done();
    }
    Event e = queue_.top();
    queue_.pop();
    now_ = e.at;
    ++events_;
    dispatch(e);
  }
  return true;
}

std::vector<NodeId> SimNetwork::ring() const {
  std::vector<NodeId> ids;
  for (PeerIndex i = 0; i < peers_.size(); ++i) {
    if (joined(i) && !peers_[i]->core.config().client) ids.push_back(peers_[i]->core.node_id());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

NodeId SimNetwork::responsible(const NodeId& k) const {
  auto ids = ring();
  if (ids.empty()) return NodeId{};
  auto it = std::lower_bound(ids.begin(), ids.end(), k);
  return it == ids.end() ? ids.front() : *it;
}

std::size_t SimNetwork::ring_errors(std::size_t depth) const {
  auto ids = ring();
  std::size_t n = ids.size();
  std::size_t errors = 0;
  for (PeerIndex i = 0; i < peers_.size(); ++i) {
    if (!joined(i) || peers_[i]->core.config().client) continue;
    const auto& t = peers_[i]->core.routing_table();
    auto pos = static_cast<std::size_t>(
        std::lower_bound(ids.begin(), ids.end(), t.self()) - ids.begin());
    std::size_t want = std::min(depth, n - 1);
    bool ok = t.successors().size() >= want && t.predecessors().size() >= want;
    for (std::size_t k = 0; ok && k < want; ++k) {
      ok = t.successors()[k] == ids[(pos + 1 + k) % n] &&
           t.predecessors()[k] == ids[(pos + n - 1 - k) % n];
    }
    if (!ok) ++errors;
  }
  return errors;
}

}  // namespace p2psip::sim
