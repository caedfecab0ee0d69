#pragma once
// Phones the enrollment server refused (RFC 6940 §11.3: a 403 with failed_authentication,
// username_not_available, ...), remembered in <data_dir>/phones/refused so that a gateway
// restarting (a crash loop, a rolling update) does not ask again at every start: each refusal
// counts against the server's password lockout. A refused phone is asked for again when its
// users-file entry (user and password) changed, or once its backoff has passed (1 h after the
// first refusal, doubling to at most 24 h). Answers that are no refusal (server unreachable)
// are not remembered.
//
// The file: one `USER ATTEMPTS UNIX_TIME ENTRY REASON` line per refused phone; ENTRY is the
// first 16 hex digits of SHA-256 over "user NUL password" (only a change check; the users file
// beside it holds the password in clear anyway), REASON the §11.3 token. Mode 0600.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/metrics.h"

namespace p2psip::runtime {

struct PhoneRefusal {
  std::uint32_t attempts = 1;             // refusals in a row
  std::chrono::sys_seconds at;            // the last one
  std::string entry;                      // phone_entry_digest of the refused entry
  std::string reason;                     // §11.3 token
  friend bool operator==(const PhoneRefusal&, const PhoneRefusal&) = default;
};
using PhoneRefusals = std::map<std::string, PhoneRefusal>;  // by user

inline constexpr std::chrono::seconds kPhoneRetryFirst{3600};
inline constexpr std::chrono::seconds kPhoneRetryMax{24 * 3600};

std::string phone_entry_digest(std::string_view user, std::string_view password);

// Pure: the wait after `attempts` refusals in a row (1 h, 2 h, 4 h, ... at most 24 h).
std::chrono::seconds phone_retry_backoff(std::uint32_t attempts);

// Pure: when a refused phone may be asked for again (nullopt: now, its entry changed or it was
// never refused).
std::optional<std::chrono::sys_seconds> phone_retry_at(const PhoneRefusals& refused, const std::string& user,
                                                       const std::string& entry);

// Pure: the file's text and back (lines that do not parse are dropped: a later refusal
// rewrites them).
std::string format_phone_refusals(const PhoneRefusals& refused);
PhoneRefusals parse_phone_refusals(std::string_view text);

std::filesystem::path phone_refusals_path(const std::filesystem::path& phones_dir);
PhoneRefusals load_phone_refusals(const std::filesystem::path& path);
// False when it could not be written (the caller logs it).
bool save_phone_refusals(const std::filesystem::path& path, const PhoneRefusals& refused);

// What this process's start did with its phones, for p2psip_enroll_phones_total{result}
// (the enrollment runs before the metrics registry exists).
struct PhoneEnrollTally {
  std::uint64_t enrolled = 0, refused = 0, deferred = 0, failed = 0;
};
PhoneEnrollTally& phone_enroll_tally();
// Adds the tally to p2psip_enroll_phones_total{result=enrolled|refused|deferred|failed}.
void publish_phone_enrollments(metrics::EnrollMetrics& m);

}  // namespace p2psip::runtime
