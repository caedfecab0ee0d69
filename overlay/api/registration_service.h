#pragma once
// RegistrationService: the RegistrationKeeper (overlay/usage) on a libuv loop. Stores each
// registration once the node is in the overlay, refreshes it at 2/3 of its lifetime,
// re-stores after ring changes, and removes everything on shutdown. Behind Node::keep().

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "overlay/usage/registration_keeper.h"
#include "overlay/usage/sip_usage_client.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

class RegistrationService {
 public:
  // `ready()` says whether the node may send (joined); everything must outlive the service.
  RegistrationService(uv_loop_t* loop, usage::SipUsageClient& client, const Clock& clock,
                      std::function<bool()> ready, LogFn log, usage::KeeperConfig config = {});
  ~RegistrationService();
  RegistrationService(const RegistrationService&) = delete;
  RegistrationService& operator=(const RegistrationService&) = delete;

  // Keeps `value` registered at `aor`, signed by `who`; false for an unusable AoR/lifetime.
  bool add(std::string_view aor, wire::SipRegistration value, std::uint32_t lifetime_s,
           usage::Registrant who);
  // Stops keeping `aor` and removes it from the overlay (a phone that unregistered).
  void remove(std::string_view aor);
  // The registrations signed by `old_signer` are signed by `renewed` from now on and stored
  // again at once (a renewed certificate). Returns how many.
  std::size_t resign(const storage::DataSigner* old_signer, const usage::Registrant& renewed);
  // Call when the node's state or neighbours changed (join, ring change).
  void node_changed(bool ring_changed);
  // Removes every registration from the overlay; `done` runs when all removals are answered
  // or `budget` passed (at once when there is nothing to remove or the node is not ready).
  void shutdown(Millis budget, std::function<void()> done);
  usage::KeeperCounts counts() const { return keeper_.counts(); }
  // Called with the normalised AoR after each successful store (first store or refresh).
  void on_stored(std::function<void(const std::string& aor)> cb) { on_stored_ = std::move(cb); }

 private:
  void tick();
  void run_due();
  void send(const usage::KeeperTask& task);
  void rearm();
  void finish_shutdown();
  void log(LogLevel level, const std::string& line) const {
    if (log_) log_(level, line);
  }

  usage::SipUsageClient& client_;
  const Clock& clock_;
  std::function<bool()> ready_;
  LogFn log_;
  usage::RegistrationKeeper keeper_;
  std::map<std::string, usage::Registrant> registrants_;  // by normalised AoR
  uv::Timer timer_;
  std::size_t removals_pending_ = 0;
  std::function<void()> shutdown_done_;
  std::function<void(const std::string&)> on_stored_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2psip::overlay
