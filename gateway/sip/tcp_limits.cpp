#include "gateway/sip/tcp_limits.h"

#include <algorithm>

namespace p2psip::sip {

const char* to_string(TcpCloseReason r) {
  switch (r) {
    case TcpCloseReason::kNoRequest: return "no complete request in time";
    case TcpCloseReason::kPerIp: return "over the per-address limit";
    case TcpCloseReason::kTotal: return "over the connection limit";
  }
  return "?";
}

void TcpPolicy::request_completed(std::string_view ip, unsigned port, Clock::time_point now) {
  bool known = false;
  for (auto it = conns_.lower_bound(Key{std::string(ip), port, -1});
       it != conns_.end() && std::get<0>(it->first) == ip && std::get<1>(it->first) == port; ++it) {
    it->second.last_request = now;
    known = true;
  }
  if (!known && unseen_.size() < 4 * limits_.max_connections) {
    unseen_[{std::string(ip), port}] = now;
  }
}

std::vector<TcpClose> TcpPolicy::sweep(std::span<const TcpConnection> open, Clock::time_point now) {
  std::map<Key, State> next;
  for (const auto& c : open) {
    Key key{c.ip, c.port, c.fd};
    auto it = conns_.find(key);
    if (it != conns_.end()) {
      next.emplace(key, it->second);
    } else {
      auto req = unseen_.find({c.ip, c.port});
      auto last = req != unseen_.end() ? std::optional(req->second) : std::nullopt;
      next.emplace(key, State{now, last});
    }
  }
  conns_ = std::move(next);
  unseen_.clear();

  std::vector<TcpClose> out;
  std::vector<std::map<Key, State>::iterator> live;
  for (auto it = conns_.begin(); it != conns_.end(); ++it) {
    State& s = it->second;
    if (s.closing) continue;
    auto deadline = s.last_request ? *s.last_request + limits_.between_requests
                                   : s.seen + limits_.first_request;
    if (now >= deadline) {
      s.closing = true;
      out.push_back({std::get<2>(it->first), TcpCloseReason::kNoRequest});
    } else {
      live.push_back(it);
    }
  }

  // The order of eviction: never completed a request before those that did, newest first.
  auto evict_first = [](const auto& a, const auto& b) {
    bool a_req = a->second.last_request.has_value(), b_req = b->second.last_request.has_value();
    if (a_req != b_req) return !a_req;
    if (a->second.seen != b->second.seen) return a->second.seen > b->second.seen;
    return std::get<2>(a->first) > std::get<2>(b->first);  // the later fd was accepted later
  };
  auto evict = [&](std::vector<std::map<Key, State>::iterator>& list, std::size_t keep,
                   TcpCloseReason why) {
    if (list.size() <= keep) return;
    std::sort(list.begin(), list.end(), evict_first);
    for (std::size_t i = 0; i < list.size() - keep; ++i) {
      list[i]->second.closing = true;
      out.push_back({std::get<2>(list[i]->first), why});
    }
  };
  std::map<std::string, std::vector<std::map<Key, State>::iterator>, std::less<>> by_ip;
  for (auto it : live) by_ip[std::get<0>(it->first)].push_back(it);
  for (auto& [ip, list] : by_ip) evict(list, limits_.max_per_ip, TcpCloseReason::kPerIp);
  std::erase_if(live, [](const auto& it) { return it->second.closing; });
  evict(live, limits_.max_connections, TcpCloseReason::kTotal);
  return out;
}

}  // namespace p2psip::sip
