#include "gateway/runtime/overlay_runtime.h"

#include <algorithm>
#include <map>

#include "gateway/runtime/event_loop.h"
#include "gateway/runtime/logging.h"
#include "overlay/link/uv_util.h"
#include "overlay/wire/message_codes.h"

namespace p2psip::runtime {

namespace {

constexpr Millis kPublishInterval{1000};

std::string id_list(const std::vector<wire::NodeId>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out += (i ? ",\"" : "\"") + ids[i].hex() + "\"";
  }
  return out + "]";
}

peer::Node::Logger node_logger(std::shared_ptr<spdlog::logger> log) {
  return [log](int level, const std::string& line) {
    switch (level) {
      case peer::Node::kDebug: log->debug("{}", line); break;
      case peer::Node::kInfo: log->info("{}", line); break;
      case peer::Node::kWarn: log->warn("{}", line); break;
      default: log->error("{}", line); break;
    }
  };
}

}  // namespace

std::string kind_label(std::uint32_t kind) {
  return kind == wire::kSipRegistrationKindId ? "sip_registration" : std::to_string(kind);
}

namespace {

std::string storage_status_members(const storage::StorageStats& st) {
  std::string kinds = "{";
  for (const auto& [kind, count] : st.resources_by_kind) {
    kinds += (kinds.size() > 1 ? ",\"" : "\"") + kind_label(kind) + "\":" + std::to_string(count);
  }
  kinds += "}";
  return ",\"stored_resources\":" +
         std::to_string(st.responsible_resources + st.replica_resources) +
         ",\"responsible_resources\":" + std::to_string(st.responsible_resources) +
         ",\"replica_resources\":" + std::to_string(st.replica_resources) +
         ",\"stored_values\":" + std::to_string(st.values) +
         ",\"oldest_storage_time_ms\":" + std::to_string(st.oldest_storage_time) +
         ",\"stored_resources_by_kind\":" + kinds;
}

}  // namespace

std::string overlay_status_members(const peer::NodeSnapshot& s) {
  const peer::PeerStatus& st = s.status;
  return "\"node_id\":\"" + st.node_id.hex() + "\",\"state\":\"" + peer::to_string(st.state) +
         "\",\"overlay_port\":" + std::to_string(s.listen_port) +
         ",\"predecessors\":" + id_list(st.predecessors) +
         ",\"successors\":" + id_list(st.successors) +
         ",\"finger_count\":" + std::to_string(st.finger_count) +
         ",\"routing_table_size\":" + std::to_string(st.routing_table_size) +
         ",\"connections\":" + std::to_string(st.connections) +
         ",\"links\":" + std::to_string(s.links) +
         ",\"pending_transactions\":" + std::to_string(st.pending_transactions) +
         storage_status_members(s.storage);
}

void overlay_runtime_tick(uv_timer_t* timer) {
  if (auto* self = static_cast<OverlayRuntime*>(timer->data)) self->publish();
}

OverlayRuntime::OverlayRuntime(metrics::OverlayMetrics& metrics, metrics::HealthState& health,
                               metrics::StatusBoard& status, std::string base_status,
                               std::shared_ptr<spdlog::logger> log)
    : metrics_(metrics),
      health_(health),
      status_(status),
      base_status_(std::move(base_status)),
      log_(std::move(log)) {}

OverlayRuntime::~OverlayRuntime() {
  link::close_and_delete(timer_);
  registrations_.reset();
  usage_.reset();
  node_.reset();
  health_.overlay_joined = false;
}

Expected<std::unique_ptr<OverlayRuntime>, StartError> OverlayRuntime::start(
    uv_loop_t* loop, OverlayPlan plan, metrics::OverlayMetrics& metrics,
    metrics::HealthState& health, metrics::StatusBoard& status, std::string base_status) {
  auto log = make_logger("overlay", plan.log_level);
  std::unique_ptr<OverlayRuntime> self(
      new OverlayRuntime(metrics, health, status, std::move(base_status), log));
  health.overlay_required = true;
  if (!plan.advertise_warning.empty()) log->warn("{}", plan.advertise_warning);
  auto registrant = make_registrant(plan.credentials);
  if (!registrant) return unexpected(StartError{1, "overlay credentials: " + registrant.error()});
  self->registrant_ = std::move(*registrant);
  auto verifiers = chain_verifier(copy_roots(plan.credentials.roots), plan.node.overlay,
                                  self->clock_);
  std::string domain = plan.node.overlay;
  auto node = peer::Node::create(loop, std::move(plan.node), std::move(plan.credentials), self->clock_,
                                 node_logger(log));
  if (!node) return unexpected(StartError{1, "overlay node: " + node.error()});
  self->node_ = std::move(*node);
  OverlayRuntime* raw = self.get();
  self->sender_ = std::make_unique<NodeRequestSender>(*self->node_);
  self->usage_ = std::make_unique<usage::SipUsageClient>(
      *self->sender_, std::move(verifiers), usage::UsageConfig{domain});
  self->registrations_ = std::make_unique<RegistrationService>(
      loop, *self->usage_, self->clock_,
      [raw] { return raw->node_->state() == peer::PeerState::kJoined; }, log);
  self->node_->on_change([raw] { raw->changed(); });
  if (auto started = self->node_->start(); !started) {
    return unexpected(StartError{1, started.error()});
  }
  self->timer_ = new uv_timer_t{};
  uv_timer_init(loop, self->timer_);
  self->timer_->data = raw;
  auto every = static_cast<std::uint64_t>(kPublishInterval.count());
  uv_timer_start(self->timer_, overlay_runtime_tick, every, every);
  self->publish();
  return self;
}

void OverlayRuntime::changed() {
  publish();
  auto st = node_->snapshot().status;
  std::vector<wire::NodeId> neighbors = st.predecessors;
  neighbors.insert(neighbors.end(), st.successors.begin(), st.successors.end());
  bool ring = neighbors != last_neighbors_;
  last_neighbors_ = std::move(neighbors);
  registrations_->node_changed(ring);
}

void OverlayRuntime::lookup(std::string_view aor, usage::SipUsageClient::LookupDone done) {
  auto t0 = clock_.monotonic();
  usage_->lookup(aor, [this, t0, done = std::move(done)](auto r) {
    metrics_.lookup_duration(std::chrono::duration<double>(clock_.monotonic() - t0).count());
    done(std::move(r));
  });
}

void OverlayRuntime::leave(Millis budget, std::function<void()> done) {
  log_->info("leaving the overlay (at most {} ms)", budget.count());
  auto t0 = clock_.monotonic();
  registrations_->shutdown(budget / 2, [this, t0, budget, done = std::move(done)]() mutable {
    Millis left = std::max(Millis{500}, budget - (clock_.monotonic() - t0));
    node_->leave(left, [this, done = std::move(done)](bool) {
      publish();
      health_.overlay_joined = false;
      done();
    });
  });
}

void leave_overlay(EventLoop& loop, OverlayRuntime& overlay, Millis budget) {
  bool done = false;
  overlay.leave(budget, [&done, &loop] {
    done = true;
    loop.stop();
  });
  if (!done) loop.run();
}

void OverlayRuntime::publish() {
  peer::NodeSnapshot s = node_->snapshot();
  health_.overlay_joined = s.status.state == peer::PeerState::kJoined;
  metrics_.routing_table_peers(s.status.routing_table_size);
  std::uint64_t unknown_in = 0, unknown_out = 0;  // unassigned codes share one label
  for (std::size_t slot = 0; slot < peer::PeerCounters::kCodeSlots; ++slot) {
    auto code = static_cast<wire::MessageCode>(slot == 0x27 ? 0xffff : slot);
    const char* name = slot == 0 ? nullptr : wire::message_code_name(code);
    if (name == nullptr) {
      unknown_in += s.peer.received[slot];
      unknown_out += s.peer.sent[slot];
    } else if (s.peer.received[slot] != 0 || s.peer.sent[slot] != 0) {
      metrics_.messages_total(name, metrics::OverlayDirection::kIn, s.peer.received[slot]);
      metrics_.messages_total(name, metrics::OverlayDirection::kOut, s.peer.sent[slot]);
    }
  }
  if (unknown_in != 0 || unknown_out != 0) {
    metrics_.messages_total("unknown", metrics::OverlayDirection::kIn, unknown_in);
    metrics_.messages_total("unknown", metrics::OverlayDirection::kOut, unknown_out);
  }
  s.link.for_each_error([this](std::string_view reason, std::uint64_t total) {
    metrics_.link_errors_total(reason, total);
  });
  std::map<std::string, std::size_t, std::less<>> by_kind;
  for (const auto& [kind, count] : s.storage.resources_by_kind) by_kind[kind_label(kind)] = count;
  metrics_.stored_resources(by_kind);
  for (const auto& [result, total] : s.storage.store_results) metrics_.store_total(result, total);
  for (const auto& [result, total] : s.storage.fetch_results) metrics_.fetch_total(result, total);
  auto kept = registrations_ ? registrations_->counts() : usage::KeeperCounts{};
  status_.publish("{" + base_status_ + "," + overlay_status_members(s) +
                  ",\"registrations\":" + std::to_string(kept.registrations) +
                  ",\"registrations_stored\":" + std::to_string(kept.stored) + "}");
}

}  // namespace p2psip::runtime
