#pragma once
// RegistrationKeeper: keeps a set of SIP-REGISTRATIONs alive in the overlay. Pure: monotonic
// time in, the stores to send and the next deadline out; the driver sends each Task (with
// SipUsageClient) and reports its result.
//
//   - a registration added is stored at once, then refreshed at refresh_fraction (2/3) of its
//     lifetime after each successful store;
//   - a failed store is retried after retry_delay (doubling up to max_retry_delay);
//   - ring_changed() re-stores every registration after ring_settle (a new responsible peer);
//   - remove() and shutdown() produce removal stores (exists=false) and forget the entries.
//
// Each Task carries a token; results with a stale token (the entry was removed or re-stored
// since) are ignored. One store per entry is in flight at a time.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "overlay/wire/sip_registration.h"

namespace p2psip::usage {

struct KeeperConfig {
  double refresh_fraction = 2.0 / 3.0;
  Millis retry_delay{2000};
  Millis max_retry_delay{60000};
  Millis ring_settle{2000};
};

struct KeeperTask {
  enum class Op : std::uint8_t { kStore, kRemove };
  Op op = Op::kStore;
  std::uint64_t token = 0;
  std::string aor;  // normalised
  wire::SipRegistration value;
  std::uint32_t lifetime_s = 0;
};

struct KeeperCounts {
  std::size_t registrations = 0;  // kept
  std::size_t stored = 0;         // whose last store succeeded
  std::size_t in_flight = 0;
  // The first kMaxListedAors kept AoRs (ascending) and whether each is stored, for /status.
  static constexpr std::size_t kMaxListedAors = 100;
  std::vector<std::pair<std::string, bool>> aors;
};

class RegistrationKeeper {
 public:
  explicit RegistrationKeeper(KeeperConfig config = {}) : config_(config) {}

  // Keeps `value` registered at `aor` (replacing an earlier value for the same AoR); false
  // when the AoR does not normalise or the lifetime is 0.
  bool add(std::string_view aor, wire::SipRegistration value, std::uint32_t lifetime_s,
           Millis now);
  // Stops keeping the AoR; the returned task (if it was kept) removes it from the overlay.
  std::optional<KeeperTask> remove(std::string_view aor);
  // The stores due at `now`; each is in flight until on_result().
  std::vector<KeeperTask> due(Millis now);
  void on_result(std::uint64_t token, bool ok, Millis now);
  void ring_changed(Millis now);
  // The AoR's registrant was renewed: store it again now (after the store under way, if any);
  // false when the AoR is not kept.
  bool store_again(std::string_view aor, Millis now);
  // Removal tasks for every kept registration; the keeper is empty afterwards.
  std::vector<KeeperTask> shutdown();

  std::optional<Millis> next_deadline() const;
  KeeperCounts counts() const;

 private:
  struct Entry {
    wire::SipRegistration value;
    std::uint32_t lifetime_s = 0;
    Millis next{0};
    std::uint64_t in_flight = 0;  // token of the outstanding store, 0 when none
    bool stored = false;
    bool restore_after = false;   // re-store as soon as the in-flight one finishes
    Millis backoff{0};
  };
  KeeperTask task(KeeperTask::Op op, const std::string& aor, const Entry& e,
                  std::uint64_t token) const;

  KeeperConfig config_;
  std::map<std::string, Entry> entries_;
  std::uint64_t next_token_ = 1;
};

}  // namespace p2psip::usage
