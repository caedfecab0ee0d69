#pragma once
// The asynchronous RFC 3263 resolver the gateway uses: URI in, ordered targets out, on the
// libuv loop thread. It drives one ResolutionPlan per call with answers from the cache or from
// c-ares; identical queries in flight are sent once. Callbacks always run later from the loop
// (never inside resolve()); after cancel() or destruction they never run.

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "common/uv_handle.h"
#include "dns/ares_channel.h"
#include "dns/cache.h"
#include "dns/plan.h"
#include "dns/types.h"

namespace p2psip::dns {

// Metrics seam: metrics/ binds these to p2psip_dns_queries_total{type,result},
// p2psip_dns_cache_hits_total and p2psip_dns_resolution_duration_seconds.
// `type` labels: A, AAAA, SRV, NAPTR; `result` labels: ok, nxdomain, nodata, servfail, timeout,
// error (see to_string in types.h). Called on the loop thread.
class ResolverObserver {
 public:
  virtual ~ResolverObserver() = default;
  virtual void on_query(RecordType /*type*/, QueryResult /*result*/) {}
  virtual void on_cache_hit(RecordType /*type*/) {}
  virtual void on_resolution(double /*seconds*/, bool /*ok*/) {}
};

struct ResolverConfig {
  std::vector<std::string> servers;                // "ADDR:PORT"; empty: /etc/resolv.conf
  std::chrono::milliseconds query_timeout{1000};   // c-ares first-try timeout
  int tries = 2;                                    // c-ares tries per server
  bool failover_on_servfail = false;                // see ChannelOptions
  bool keep_sockets_open = true;                    // see ChannelOptions
  std::chrono::milliseconds resolution_timeout{5000};  // hard bound for one resolve()
  CacheLimits cache;
  PlanOptions plan;
  Rng rng;  // empty: a std::mt19937 seeded from std::random_device
};

struct ResolverStats {
  std::uint64_t queries_sent = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t coalesced = 0;
};

class Resolver {
 public:
  using Callback = std::function<void(ResolveResult)>;
  using Id = std::uint64_t;

  static Expected<std::unique_ptr<Resolver>, std::string> create(
      uv_loop_t* loop, ResolverConfig config, const Clock& clock,
      ResolverObserver* observer = nullptr);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Starts resolving a sip:/sips: URI. A bad URI is reported through the callback too.
  Id resolve(std::string_view uri, Callback callback);
  // The callback of `id` will not run. Unknown or finished ids are ignored.
  void cancel(Id id);

  std::size_t in_flight() const { return active_.size() + ready_.size(); }
  const ResolverStats& stats() const { return stats_; }
  DnsCache& cache() { return cache_; }

 private:
  struct Resolution;
  Resolver(uv_loop_t* loop, ResolverConfig config, const Clock& clock, ResolverObserver* obs);

  void advance(Id id);
  struct QueryHash {
    std::size_t operator()(const Query& q) const noexcept {
      return std::hash<std::string>{}(q.name) ^ static_cast<std::size_t>(q.type);
    }
  };
  void send(const Query& q, Id id);
  // `q` is the key inside in_flight_queries_ (node keys are stable until extracted).
  void on_answer(const Query* q, int status, const unsigned char* abuf, int alen);
  void complete(Id id, ResolveResult result);
  void arm_deadline();
  void expire_deadlines();
  void deliver_ready();
  void deliver_soon();
  ResolveError timeout_error(const std::string& name) const;

  uv_loop_t* loop_;
  ResolverConfig config_;
  const Clock& clock_;
  ResolverObserver* observer_;
  ResolverObserver null_observer_;
  std::mt19937 engine_;
  Rng rng_;
  DnsCache cache_;
  ResolverStats stats_;
  std::unique_ptr<AresChannel> channel_;
  std::unordered_map<Id, std::unique_ptr<Resolution>> active_;
  std::unordered_map<Query, std::vector<Id>, QueryHash> in_flight_queries_;
  std::set<std::pair<Millis, Id>> deadlines_;
  std::deque<std::pair<Id, std::pair<Callback, ResolveResult>>> ready_;
  std::unique_ptr<uv::Timer> deadline_timer_;  // the earliest resolution deadline
  std::unique_ptr<uv::Timer> deliver_timer_;   // results go out from the loop
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool destroying_ = false;
  Id next_id_ = 1;
};

}  // namespace p2psip::dns
