#include "overlay/chord/routing_table.h"

#include <algorithm>

namespace p2psip::chord {

RoutingTable::RoutingTable(const NodeId& self, std::size_t neighbors)
    : self_(self), neighbors_(std::max<std::size_t>(neighbors, 1)) {}

namespace {
// Lower bound of `id` in a vector sorted by clockwise distance from `self`.
std::vector<NodeId>::const_iterator lower(const std::vector<NodeId>& v, const NodeId& self,
                                          U128 d) {
  return std::lower_bound(v.begin(), v.end(), d, [&](const NodeId& x, U128 want) {
    return distance(self, x) < want;
  });
}
}  // namespace

bool RoutingTable::add_peer(const NodeId& id) {
  if (id == self_) return false;
  U128 d = distance(self_, id);
  auto it = lower(peers_, self_, d);
  if (it != peers_.end() && *it == id) return false;
  peers_.insert(it, id);
  auto old_p = preds_;
  auto old_s = succs_;
  recompute();
  return old_p != preds_ || old_s != succs_;
}

bool RoutingTable::remove_peer(const NodeId& id) {
  std::erase_if(fingers_, [&](const auto& f) { return f.second == id; });
  auto it = lower(peers_, self_, distance(self_, id));
  if (it == peers_.end() || *it != id) return false;
  peers_.erase(it);
  auto old_p = preds_;
  auto old_s = succs_;
  recompute();
  return old_p != preds_ || old_s != succs_;
}

bool RoutingTable::contains(const NodeId& id) const {
  auto it = lower(peers_, self_, distance(self_, id));
  return it != peers_.end() && *it == id;
}

void RoutingTable::recompute() {
  std::size_t n = std::min(neighbors_, peers_.size());
  succs_.assign(peers_.begin(), peers_.begin() + static_cast<std::ptrdiff_t>(n));
  preds_.assign(peers_.rbegin(), peers_.rbegin() + static_cast<std::ptrdiff_t>(n));
  decide_near_fingers();
}

void RoutingTable::decide_near_fingers() {
  unsigned size = finger_table_size();
  std::erase_if(fingers_, [&](const auto& f) { return f.first > size; });
  for (unsigned i = 1; i <= size; ++i) {
    if (!finger_near(i)) continue;
    // The first peer at or after the range's start is a successor: the true one (§10.3).
    auto it = lower(peers_, self_, distance(self_, finger_target(self_, i)));
    if (it != peers_.end() && in_finger_range(self_, i, *it)) {
      set_finger(i, *it);
    } else {
      clear_finger(i);
    }
  }
}

bool RoutingTable::is_neighbor(const NodeId& id) const {
  return std::find(succs_.begin(), succs_.end(), id) != succs_.end() ||
         std::find(preds_.begin(), preds_.end(), id) != preds_.end();
}

bool RoutingTable::would_be_neighbor(const NodeId& id) const {
  if (id == self_ || contains(id)) return false;
  if (succs_.size() < neighbors_ || preds_.size() < neighbors_) return true;
  return distance(self_, id) < distance(self_, succs_.back()) ||
         distance(id, self_) < distance(preds_.back(), self_);
}

bool RoutingTable::is_responsible(const NodeId& k) const {
  if (preds_.empty()) return true;
  return between_left_open(preds_.front(), k, self_);
}

NextHop RoutingTable::next_hop(const NodeId& k) const {
  if (is_responsible(k)) return {true, self_};
  U128 dk = distance(self_, k);
  auto it = lower(peers_, self_, dk);
  if (it != peers_.end() && *it == k) return {false, k};  // directly connected to k
  if (it != peers_.begin()) return {false, *(it - 1)};   // largest id in (self, k)
  if (it != peers_.end()) return {false, *it};           // smallest id following k
  return {true, self_};                                  // no peers at all
}

std::vector<NodeId> RoutingTable::replica_set() const {
  std::vector<NodeId> r{self_};
  for (std::size_t i = 0; i < succs_.size() && r.size() < 3; ++i) r.push_back(succs_[i]);
  return r;
}

void RoutingTable::set_finger(unsigned i, const NodeId& id) {
  if (i < 1 || i > kMaxFingers || !contains(id) || !in_finger_range(self_, i, id)) return;
  auto it = std::lower_bound(fingers_.begin(), fingers_.end(), i,
                             [](const auto& f, unsigned want) { return f.first < want; });
  if (it != fingers_.end() && it->first == i) {
    it->second = id;
  } else {
    fingers_.insert(it, {i, id});
  }
}

void RoutingTable::clear_finger(unsigned i) {
  std::erase_if(fingers_, [&](const auto& f) { return f.first == i; });
}

std::optional<NodeId> RoutingTable::finger(unsigned i) const {
  for (const auto& f : fingers_) {
    if (f.first == i) return f.second;
  }
  return std::nullopt;
}

bool RoutingTable::is_finger(const NodeId& id) const {
  return std::any_of(fingers_.begin(), fingers_.end(),
                     [&](const auto& f) { return f.second == id; });
}

std::vector<NodeId> RoutingTable::finger_ids() const {
  std::vector<NodeId> ids;
  for (const auto& f : fingers_) ids.push_back(f.second);
  std::sort(ids.begin(), ids.end(), [&](const NodeId& a, const NodeId& b) {
    return distance(self_, a) < distance(self_, b);
  });
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::size_t RoutingTable::finger_count() const { return finger_ids().size(); }

unsigned RoutingTable::finger_table_size() const {
  if (succs_.empty()) return 0;
  return std::clamp(finger_index(self_, succs_.back()), kFingerTableSize, kMaxFingers);
}

bool RoutingTable::finger_near(unsigned i) const {
  return !succs_.empty() &&
         distance(self_, finger_target(self_, i)) <= distance(self_, succs_.back());
}

unsigned RoutingTable::pick_invalid_finger(const std::function<bool()>& coin) const {
  unsigned last = 0;
  for (unsigned i = 1, size = finger_table_size(); i <= size; ++i) {
    if (finger(i) || finger_near(i)) continue;
    if (last != 0 && coin()) return last;
    last = i;
  }
  return last;
}

}  // namespace p2psip::chord
