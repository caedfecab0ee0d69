#include "overlay/api/registration_service.h"

#include <algorithm>

namespace p2psip::overlay {

RegistrationService::RegistrationService(uv_loop_t* loop, usage::SipUsageClient& client,
                                         const Clock& clock, std::function<bool()> ready,
                                         LogFn log, usage::KeeperConfig config)
    : client_(client), clock_(clock), ready_(std::move(ready)), log_(std::move(log)),
      keeper_(config), timer_(loop) {}

RegistrationService::~RegistrationService() { *alive_ = false; }

void RegistrationService::tick() {
  if (shutdown_done_) {  // the shutdown budget ran out
    log(LogLevel::kWarn, std::to_string(removals_pending_) +
                             " registration removal(s) unanswered at shutdown");
    removals_pending_ = 0;
    return finish_shutdown();
  }
  run_due();
}

bool RegistrationService::add(std::string_view aor, wire::SipRegistration value,
                              std::uint32_t lifetime_s, usage::Registrant who) {
  auto n = usage::normalize_aor(aor);
  if (!n || !keeper_.add(*n, std::move(value), lifetime_s, clock_.monotonic())) return false;
  registrants_[*n] = std::move(who);
  run_due();
  return true;
}

void RegistrationService::remove(std::string_view aor) {
  auto task = keeper_.remove(aor);
  if (!task) return;
  if (ready_()) send(*task);
  registrants_.erase(task->aor);
  rearm();
}

std::size_t RegistrationService::resign(const storage::DataSigner* old_signer,
                                        const usage::Registrant& renewed) {
  std::size_t n = 0;
  for (auto& [aor, who] : registrants_) {
    if (who.signer.get() != old_signer) continue;
    who = renewed;
    if (keeper_.store_again(aor, clock_.monotonic())) ++n;
  }
  if (n > 0) run_due();
  return n;
}

void RegistrationService::node_changed(bool ring_changed) {
  if (shutdown_done_) return;
  if (ring_changed) keeper_.ring_changed(clock_.monotonic());
  run_due();
}

void RegistrationService::run_due() {
  if (shutdown_done_) return;
  if (ready_()) {
    for (const usage::KeeperTask& t : keeper_.due(clock_.monotonic())) send(t);
  }
  rearm();
}

void RegistrationService::rearm() {
  if (shutdown_done_) return;
  auto next = keeper_.next_deadline();
  if (!next || !ready_()) {
    timer_.stop();
    return;
  }
  auto wait = std::max<std::int64_t>(0, (*next - clock_.monotonic()).count());
  timer_.start(static_cast<std::uint64_t>(wait) + 1, 0, [this] { tick(); });
}

void RegistrationService::send(const usage::KeeperTask& task) {
  auto it = registrants_.find(task.aor);
  if (it == registrants_.end()) return;
  std::weak_ptr<bool> alive = alive_;
  auto done = [this, alive, task](Expected<void, usage::UsageError> r) {
    if (alive.expired()) return;
    bool remove = task.op == usage::KeeperTask::Op::kRemove;
    if (r) {
      log(LogLevel::kDebug, std::string(remove ? "unregistered " : "registered ") + task.aor +
                                ": ok");
    } else {
      log(LogLevel::kWarn, std::string(remove ? "unregistering " : "registering ") + task.aor +
                               " failed: " + r.error().message());
    }
    if (!remove) {
      keeper_.on_result(task.token, r.has_value(), clock_.monotonic());
      if (r && on_stored_) on_stored_(task.aor);
      return rearm();
    }
    if (removals_pending_ > 0 && --removals_pending_ == 0 && shutdown_done_) finish_shutdown();
  };
  std::uint64_t wall = clock_.wall_ms();
  if (task.op == usage::KeeperTask::Op::kStore) {
    client_.store(it->second, task.aor, task.value, task.lifetime_s, wall, std::move(done));
  } else {
    client_.remove(it->second, task.aor, task.lifetime_s, wall, std::move(done));
  }
}

void RegistrationService::shutdown(Millis budget, std::function<void()> done) {
  auto tasks = keeper_.shutdown();
  if (tasks.empty() || !ready_()) {
    registrants_.clear();
    return done();
  }
  shutdown_done_ = std::move(done);
  removals_pending_ = tasks.size();
  timer_.start(static_cast<std::uint64_t>(budget.count()), 0, [this] { tick(); });
  log(LogLevel::kInfo, "removing " + std::to_string(tasks.size()) +
                           " registration(s) from the overlay");
  for (const auto& t : tasks) {
    if (!shutdown_done_) break;  // finished synchronously
    send(t);
  }
}

void RegistrationService::finish_shutdown() {
  timer_.stop();
  registrants_.clear();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  if (done) done();
}

}  // namespace p2psip::overlay
