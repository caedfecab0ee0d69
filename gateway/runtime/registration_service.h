#pragma once
// RegistrationService: the RegistrationKeeper (overlay/usage) on the process's libuv loop.
// Stores each registration once the node is in the overlay, refreshes it at 2/3 of its
// lifetime, re-stores after ring changes, and removes everything on shutdown. Used by
// `p2psip peer --register` and (issue 7) the gateway's static registrations and phones.

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "common/clock.h"
#include "overlay/usage/registration_keeper.h"
#include "overlay/usage/sip_usage_client.h"

namespace p2psip::runtime {

class RegistrationService {
 public:
  // `ready()` says whether the node may send (joined); everything must outlive the service.
  RegistrationService(uv_loop_t* loop, usage::SipUsageClient& client, const Clock& clock,
                      std::function<bool()> ready, std::shared_ptr<spdlog::logger> log,
                      usage::KeeperConfig config = {});
  ~RegistrationService();
  RegistrationService(const RegistrationService&) = delete;
  RegistrationService& operator=(const RegistrationService&) = delete;

  // Keeps `value` registered at `aor`, signed by `who`; false for an unusable AoR/lifetime.
  bool add(std::string_view aor, wire::SipRegistration value, std::uint32_t lifetime_s,
           usage::Registrant who);
  // Stops keeping `aor` and removes it from the overlay (a phone that unregistered).
  void remove(std::string_view aor);
  // Call when the node's state or neighbours changed (join, ring change).
  void node_changed(bool ring_changed);
  // Removes every registration from the overlay; `done` runs when all removals are answered
  // or `budget` passed (at once when there is nothing to remove or the node is not ready).
  void shutdown(Millis budget, std::function<void()> done);
  usage::KeeperCounts counts() const { return keeper_.counts(); }
  // Called with the normalised AoR after each successful store (first store or refresh).
  void on_stored(std::function<void(const std::string& aor)> cb) { on_stored_ = std::move(cb); }

 private:
  friend void registration_service_tick(uv_timer_t* timer);
  void run_due();
  void send(const usage::KeeperTask& task);
  void rearm();
  void finish_shutdown();

  usage::SipUsageClient& client_;
  const Clock& clock_;
  std::function<bool()> ready_;
  std::shared_ptr<spdlog::logger> log_;
  usage::RegistrationKeeper keeper_;
  std::map<std::string, usage::Registrant> registrants_;  // by normalised AoR
  uv_timer_t* timer_ = nullptr;  // freed in its close callback
  std::size_t removals_pending_ = 0;
  std::function<void()> shutdown_done_;
  std::function<void(const std::string&)> on_stored_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2psip::runtime
