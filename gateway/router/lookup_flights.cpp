#include "gateway/router/lookup_flights.h"

namespace p2psip::router {

bool LookupFlights::join(const std::string& key, std::uint64_t generation, Callback cb) {
  auto [it, first] = flights_.try_emplace({key, generation});
  if (cb) it->second.push_back(std::move(cb));
  return first;
}

std::vector<LookupFlights::Callback> LookupFlights::land(const std::string& key,
                                                         std::uint64_t generation) {
  auto it = flights_.find({key, generation});
  if (it == flights_.end()) return {};
  std::vector<Callback> waiters = std::move(it->second);
  flights_.erase(it);
  return waiters;
}

}  // namespace p2psip::router
