#include "gateway/registrar/binding_table.h"

#include <algorithm>

namespace p2psip::registrar {

std::uint32_t Binding::seconds_left(Millis now) const {
  if (expires_at <= now) return 0;
  return static_cast<std::uint32_t>(((expires_at - now).count() + 999) / 1000);
}

std::vector<Expired> BindingTable::apply(const Accepted& accepted, Millis now) {
  std::vector<Expired> dropped;
  auto& list = table_[accepted.aor];
  for (const Remove& r : accepted.removes) {
    if (r.contact == "*") {
      list.clear();
    } else {
      std::erase_if(list, [&](const Binding& b) { return b.contact == r.contact; });
    }
  }
  for (const Store& s : accepted.stores) {
    Millis at = now + Millis{static_cast<std::int64_t>(s.expires) * 1000};
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const Binding& b) { return b.contact == s.contact; });
    if (it != list.end()) {
      it->expires_at = at;
      continue;
    }
    if (max_per_aor_ == 0) break;
    if (list.size() >= max_per_aor_) {
      auto soonest = std::min_element(list.begin(), list.end(), [](const Binding& a, const Binding& b) {
        return a.expires_at < b.expires_at;
      });
      dropped.push_back({accepted.aor, soonest->contact});
      list.erase(soonest);
    }
    list.push_back({s.contact, at});
  }
  if (list.empty()) table_.erase(accepted.aor);
  return dropped;
}

std::vector<Binding> BindingTable::lookup(std::string_view aor, Millis now) const {
  std::vector<Binding> out;
  auto it = table_.find(aor);
  if (it == table_.end()) return out;
  for (const Binding& b : it->second) {
    if (b.expires_at > now) out.push_back(b);
  }
  std::sort(out.begin(), out.end(),
            [](const Binding& a, const Binding& b) { return a.expires_at < b.expires_at; });
  return out;
}

std::vector<Expired> BindingTable::expire(Millis now) {
  std::vector<Expired> gone;
  for (auto it = table_.begin(); it != table_.end();) {
    auto& list = it->second;
    for (const Binding& b : list) {
      if (b.expires_at <= now) gone.push_back({it->first, b.contact});
    }
    std::erase_if(list, [&](const Binding& b) { return b.expires_at <= now; });
    it = list.empty() ? table_.erase(it) : std::next(it);
  }
  return gone;
}

std::vector<Expired> BindingTable::drop(const std::function<bool(const std::string& aor)>& gone) {
  std::vector<Expired> out;
  for (auto it = table_.begin(); it != table_.end();) {
    if (!gone(it->first)) {
      ++it;
      continue;
    }
    for (const Binding& b : it->second) out.push_back({it->first, b.contact});
    it = table_.erase(it);
  }
  return out;
}

std::optional<Millis> BindingTable::next_expiry() const {
  std::optional<Millis> next;
  for (const auto& [aor, list] : table_) {
    for (const Binding& b : list) {
      if (!next || b.expires_at < *next) next = b.expires_at;
    }
  }
  return next;
}

std::size_t BindingTable::size() const {
  std::size_t n = 0;
  for (const auto& [aor, list] : table_) n += list.size();
  return n;
}

}  // namespace p2psip::registrar
