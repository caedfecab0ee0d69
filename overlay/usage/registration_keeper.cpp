#include "overlay/usage/registration_keeper.h"

#include <algorithm>

#include "overlay/usage/sip_usage.h"

namespace p2psip::usage {

bool RegistrationKeeper::add(std::string_view aor, wire::SipRegistration value,
                             std::uint32_t lifetime_s, Millis now) {
  auto n = normalize_aor(aor);
  if (!n || lifetime_s == 0) return false;
  Entry& e = entries_[*n];
  e.value = std::move(value);
  e.lifetime_s = lifetime_s;
  e.next = now;
  e.backoff = Millis{0};
  if (e.in_flight != 0) e.restore_after = true;  // the new value goes out after the old one
  return true;
}

std::optional<KeeperTask> RegistrationKeeper::remove(std::string_view aor) {
  auto n = normalize_aor(aor);
  if (!n) return std::nullopt;
  auto it = entries_.find(*n);
  if (it == entries_.end()) return std::nullopt;
  KeeperTask t = task(KeeperTask::Op::kRemove, it->first, it->second, next_token_++);
  entries_.erase(it);
  return t;
}

std::vector<KeeperTask> RegistrationKeeper::due(Millis now) {
  std::vector<KeeperTask> out;
  for (auto& [aor, e] : entries_) {
    if (e.in_flight != 0 || e.next > now) continue;
    e.in_flight = next_token_++;
    e.restore_after = false;
    out.push_back(task(KeeperTask::Op::kStore, aor, e, e.in_flight));
  }
  return out;
}

void RegistrationKeeper::on_result(std::uint64_t token, bool ok, Millis now) {
  for (auto& [aor, e] : entries_) {
    if (e.in_flight != token || token == 0) continue;
    e.in_flight = 0;
    e.stored = ok;
    if (e.restore_after) {
      e.next = now;
    } else if (ok) {
      e.backoff = Millis{0};
      auto refresh = static_cast<std::int64_t>(e.lifetime_s * 1000.0 * config_.refresh_fraction);
      e.next = now + Millis{std::max<std::int64_t>(refresh, 1000)};
    } else {
      e.backoff = e.backoff.count() == 0 ? config_.retry_delay
                                         : std::min(e.backoff * 2, config_.max_retry_delay);
      e.next = now + e.backoff;
    }
    e.restore_after = false;
    return;
  }
}

void RegistrationKeeper::ring_changed(Millis now) {
  for (auto& [aor, e] : entries_) {
    if (e.in_flight != 0) {
      e.restore_after = true;
    } else {
      e.next = std::min(e.next, now + config_.ring_settle);
    }
  }
}

bool RegistrationKeeper::store_again(std::string_view aor, Millis now) {
  auto n = normalize_aor(aor);
  auto it = n ? entries_.find(*n) : entries_.end();
  if (it == entries_.end()) return false;
  Entry& e = it->second;  // `stored` stays: the old signature is valid until then
  e.backoff = Millis{0};
  if (e.in_flight != 0) {
    e.restore_after = true;
  } else {
    e.next = now;
  }
  return true;
}

std::vector<KeeperTask> RegistrationKeeper::shutdown() {
  std::vector<KeeperTask> out;
  for (auto& [aor, e] : entries_) out.push_back(task(KeeperTask::Op::kRemove, aor, e, next_token_++));
  entries_.clear();
  return out;
}

std::optional<Millis> RegistrationKeeper::next_deadline() const {
  std::optional<Millis> best;
  for (const auto& [aor, e] : entries_) {
    if (e.in_flight != 0) continue;
    if (!best || e.next < *best) best = e.next;
  }
  return best;
}

KeeperCounts RegistrationKeeper::counts() const {
  KeeperCounts c;
  c.registrations = entries_.size();
  for (const auto& [aor, e] : entries_) {
    if (e.stored) ++c.stored;
    if (c.aors.size() < KeeperCounts::kMaxListedAors) c.aors.emplace_back(aor, e.stored);
    if (e.in_flight != 0) ++c.in_flight;
  }
  return c;
}

KeeperTask RegistrationKeeper::task(KeeperTask::Op op, const std::string& aor, const Entry& e,
                                    std::uint64_t token) const {
  return KeeperTask{op, token, aor, e.value, e.lifetime_s};
}

}  // namespace p2psip::usage
