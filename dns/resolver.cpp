#include "dns/resolver.h"

#include <algorithm>
#include <cstdio>

#include "dns/ares_answer.h"
#include "dns/sip_uri.h"

namespace p2psip::dns {
struct Resolver::Resolution {
  ResolutionPlan plan;
  Callback callback;
  Millis started;
  Millis deadline;
  std::string host;
  std::string error_detail;  // c-ares text of the last query that failed with "error"
};

Resolver::Resolver(uv_loop_t* loop, ResolverConfig config, const Clock& clock,
                   ResolverObserver* obs)
    : loop_(loop),
      config_(std::move(config)),
      clock_(clock),
      observer_(obs ? obs : &null_observer_),
      engine_(std::random_device{}()),
      cache_(config_.cache) {
  rng_ = config_.rng ? config_.rng : Rng([this](std::uint32_t bound) {
    return std::uniform_int_distribution<std::uint32_t>(0, bound)(engine_);
  });
}

Expected<std::unique_ptr<Resolver>, std::string> Resolver::create(
    uv_loop_t* loop, ResolverConfig config, const Clock& clock, ResolverObserver* observer) {
  std::unique_ptr<Resolver> self(new Resolver(loop, std::move(config), clock, observer));
  ChannelOptions copts{self->config_.servers, self->config_.query_timeout, self->config_.tries,
                       self->config_.failover_on_servfail, self->config_.keep_sockets_open};
  auto channel = AresChannel::create(loop, copts);
  if (!channel) return unexpected(channel.error());
  self->channel_ = std::move(*channel);
  self->deadline_timer_ = std::make_unique<uv::Timer>(loop);
  self->deliver_timer_ = std::make_unique<uv::Timer>(loop);
  return self;
}

Resolver::~Resolver() {
  destroying_ = true;
  *alive_ = false;
  channel_.reset();  // pending c-ares callbacks run now and are ignored
  deadline_timer_.reset();
  deliver_timer_.reset();
}

Resolver::Id Resolver::resolve(std::string_view uri, Callback callback) {
  Id id = next_id_++;
  Millis now = clock_.monotonic();
  auto target = parse_sip_uri(uri);
  if (!target) {
    ready_.emplace_back(id, std::pair{std::move(callback), ResolveResult(unexpected(ResolveError{
                                          ResolveError::Kind::bad_uri, std::string(uri),
                                          "(" + target.error() + ")"}))});
    deliver_soon();
    return id;
  }
  std::string host = target->host;
  auto r = std::make_unique<Resolution>(Resolution{
      ResolutionPlan(std::move(*target), config_.plan, rng_), std::move(callback), now,
      now + config_.resolution_timeout, std::move(host), {}});
  deadlines_.emplace(r->deadline, id);
  active_.emplace(id, std::move(r));
  advance(id);
  if (active_.count(id)) arm_deadline();  // answered from the cache: no timer needed
  return id;
}

void Resolver::cancel(Id id) {
  if (auto it = active_.find(id); it != active_.end()) {
    bool earliest = deadlines_.begin()->second == id;
    deadlines_.erase({it->second->deadline, id});
    active_.erase(it);
    if (earliest) arm_deadline();
  }
  std::erase_if(ready_, [id](const auto& r) { return r.first == id; });
}

void Resolver::advance(Id id) {
  for (;;) {
    auto it = active_.find(id);
    if (it == active_.end()) return;
    Resolution& r = *it->second;
    if (r.plan.done()) {
      complete(id, r.plan.result());
      return;
    }
    std::vector<Query> queries = r.plan.take_queries();
    if (queries.empty()) return;  // waiting for answers
    Millis now = clock_.monotonic();
    for (const Query& q : queries) {
      if (auto hit = cache_.get(q, now)) {
        ++stats_.cache_hits;
        observer_->on_cache_hit(q.type);
        r.plan.on_answer(q, *hit);
      } else {
        send(q, id);
      }
    }
  }
}

void Resolver::send(const Query& q, Id id) {
  auto [it, fresh] = in_flight_queries_.try_emplace(q);
  it->second.push_back(id);
  if (!fresh) {
    ++stats_.coalesced;
    return;
  }
  ++stats_.queries_sent;
  const Query* key = &it->first;
  channel_->query(q.name, static_cast<int>(q.type),
                  [this, key](int status, const unsigned char* abuf, int alen) {
                    on_answer(key, status, abuf, alen);
                  });
}

void Resolver::on_answer(const Query* key, int status, const unsigned char* abuf, int alen) {
  if (destroying_ || status == ARES_EDESTRUCTION) return;
  auto node = in_flight_queries_.extract(*key);  // the node (and *key) lives on in `node`
  if (node.empty()) return;
  const Query& q = node.key();
  DnsAnswer answer = parse_ares_answer(q.type, status, abuf, alen);
  observer_->on_query(q.type, answer.result);
  cache_.put(q, answer, clock_.monotonic());
  for (Id id : node.mapped()) {
    auto it = active_.find(id);
    if (it == active_.end()) continue;  // cancelled or timed out: the answer is only cached
    if (answer.result == QueryResult::error) {
      it->second->error_detail = "(" + ares_status_text(status) + ")";
    }
    it->second->plan.on_answer(q, answer);
    advance(id);
  }
}

void Resolver::complete(Id id, ResolveResult result) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  Resolution& r = *it->second;
  if (!result && result.error().kind == ResolveError::Kind::timeout) {
    result = unexpected(timeout_error(r.host));
  } else if (!result && result.error().kind == ResolveError::Kind::error) {
    result = unexpected(ResolveError{ResolveError::Kind::error, r.host, r.error_detail});
  }
  std::chrono::duration<double> took = clock_.monotonic() - r.started;
  observer_->on_resolution(took.count(), result.has_value());
  ready_.emplace_back(id, std::pair{std::move(r.callback), std::move(result)});
  bool earliest = !deadlines_.empty() && deadlines_.begin()->second == id;
  deadlines_.erase({r.deadline, id});
  active_.erase(it);
  if (earliest) arm_deadline();
  deliver_soon();
}

ResolveError Resolver::timeout_error(const std::string& name) const {
  char detail[48];
  std::snprintf(detail, sizeof detail, "after %.1fs",
                std::chrono::duration<double>(config_.resolution_timeout).count());
  return ResolveError{ResolveError::Kind::timeout, name, detail};
}

// Callbacks run from the loop, never inside resolve() or a c-ares callback.
void Resolver::deliver_soon() {
  deliver_timer_->start(0, 0, [this] { deliver_ready(); });
}

void Resolver::arm_deadline() {
  if (deadlines_.empty()) {
    deadline_timer_->stop();
    return;
  }
  Millis wait = std::max(Millis{0}, deadlines_.begin()->first - clock_.monotonic());
  deadline_timer_->start(static_cast<std::uint64_t>(wait.count()), 0,
                         [this] { expire_deadlines(); });
}

void Resolver::expire_deadlines() {
  Millis now = clock_.monotonic();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    Id id = deadlines_.begin()->second;
    auto it = active_.find(id);
    if (it == active_.end()) {
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    complete(id, unexpected(timeout_error(it->second->host)));
  }
  arm_deadline();
}

void Resolver::deliver_ready() {
  std::weak_ptr<bool> alive = alive_;
  // Only what was ready on entry: callbacks that resolve cached names again are delivered on
  // the next loop iteration (complete() re-armed the timer), so I/O is never starved.
  std::size_t budget = ready_.size();
  while (budget-- > 0 && !alive.expired() && !ready_.empty()) {
    auto [id, item] = std::move(ready_.front());
    ready_.pop_front();
    (void)id;
    item.first(std::move(item.second));  // may cancel others or destroy this resolver
  }
}

}  // namespace p2psip::dns
