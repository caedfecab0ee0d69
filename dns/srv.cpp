#include "dns/srv.h"

#include <algorithm>

namespace p2psip::dns {
namespace {

bool is_root(const std::string& target) { return target.empty() || target == "."; }

// RFC 2782: order one priority group by repeated weighted draws.
void order_group(std::vector<SrvRecord>& group, const Rng& rng, std::vector<SrvRecord>& out) {
  // Weight-0 records go to the beginning of the list.
  std::stable_partition(group.begin(), group.end(),
                        [](const SrvRecord& r) { return r.weight == 0; });
  while (!group.empty()) {
    std::uint32_t sum = 0;
    for (const SrvRecord& r : group) sum += r.weight;
    std::uint32_t draw = rng(sum);
    if (draw > sum) draw = sum;  // defensive: an RNG out of contract must not skip records
    std::size_t pick = group.size() - 1;
    std::uint32_t running = 0;
    for (std::size_t i = 0; i < group.size(); ++i) {
      running += group[i].weight;
      if (running >= draw) {
        pick = i;
        break;
      }
    }
    out.push_back(std::move(group[pick]));
    group.erase(group.begin() + static_cast<std::ptrdiff_t>(pick));
  }
}

}  // namespace

bool srv_unavailable(const std::vector<SrvRecord>& records) {
  return records.size() == 1 && is_root(records.front().target);
}

std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const Rng& rng) {
  std::erase_if(records, [](const SrvRecord& r) { return is_root(r.target); });
  std::stable_sort(records.begin(), records.end(),
                   [](const SrvRecord& a, const SrvRecord& b) { return a.priority < b.priority; });
  std::vector<SrvRecord> out;
  out.reserve(records.size());
  auto it = records.begin();
  while (it != records.end()) {
    auto end = std::find_if(it, records.end(),
                            [&](const SrvRecord& r) { return r.priority != it->priority; });
    std::vector<SrvRecord> group(std::make_move_iterator(it), std::make_move_iterator(end));
    order_group(group, rng, out);
    it = end;
  }
  return out;
}

}  // namespace p2psip::dns
