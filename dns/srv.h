#pragma once
// RFC 2782 "Usage rules": SRV ordering by priority and weighted random selection. Pure; the
// random source is injected.

#include <string>
#include <vector>

#include "dns/types.h"

namespace p2psip::dns {

// True when the RRset says "decidedly not available": a single record whose target is ".".
bool srv_unavailable(const std::vector<SrvRecord>& records);

// All usable records (target "." dropped), in the order to try them: ascending priority; within
// one priority, repeated weighted random draws (weight-0 records placed first, so they are
// picked only when the draw is 0 or nothing else is left). Every record is kept: failover walks
// the whole list.
std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const Rng& rng);

}  // namespace p2psip::dns
