#include "gateway/runtime/phone_refusals.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

namespace p2psip::runtime {

namespace {
constexpr std::size_t kEntryHexDigits = 16;
constexpr std::uint32_t kMaxDoublings = 16;  // far above 24 h: the cap applies first
}  // namespace

std::string phone_entry_digest(std::string_view user, std::string_view password) {
  std::string input(user);
  input.push_back('\0');
  input.append(password);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), md);
  std::string hex;
  char two[3];
  for (std::size_t i = 0; i < kEntryHexDigits / 2; ++i) {
    std::snprintf(two, sizeof two, "%02x", md[i]);
    hex += two;
  }
  return hex;
}

std::chrono::seconds phone_retry_backoff(std::uint32_t attempts) {
  std::uint32_t doublings = attempts == 0 ? 0 : std::min(attempts - 1, kMaxDoublings);
  auto wait = kPhoneRetryFirst * (std::int64_t{1} << doublings);
  return std::min(wait, kPhoneRetryMax);
}

std::optional<std::chrono::sys_seconds> phone_retry_at(const PhoneRefusals& refused, const std::string& user,
                                                       const std::string& entry) {
  auto it = refused.find(user);
  if (it == refused.end() || it->second.entry != entry) return std::nullopt;
  return it->second.at + phone_retry_backoff(it->second.attempts);
}

std::string format_phone_refusals(const PhoneRefusals& refused) {
  std::string out;
  for (const auto& [user, r] : refused) {
    out += user + " " + std::to_string(r.attempts) + " " + std::to_string(r.at.time_since_epoch().count()) +
           " " + r.entry + " " + r.reason + "\n";
  }
  return out;
}

PhoneRefusals parse_phone_refusals(std::string_view text) {
  PhoneRefusals out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string user, entry, reason;
    std::uint32_t attempts = 0;
    std::int64_t at = 0;
    if (!(fields >> user >> attempts >> at >> entry >> reason) || attempts == 0) continue;
    out[user] = PhoneRefusal{attempts, std::chrono::sys_seconds{std::chrono::seconds{at}}, entry, reason};
  }
  return out;
}

std::filesystem::path phone_refusals_path(const std::filesystem::path& phones_dir) { return phones_dir / "refused"; }

PhoneRefusals load_phone_refusals(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return parse_phone_refusals(text.str());
}

bool save_phone_refusals(const std::filesystem::path& path, const PhoneRefusals& refused) {
  std::error_code ec;
  if (refused.empty()) {
    std::filesystem::remove(path, ec);
    return !ec;
  }
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << format_phone_refusals(refused))) return false;
  }
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

PhoneEnrollTally& phone_enroll_tally() {
  static PhoneEnrollTally tally;
  return tally;
}

void publish_phone_enrollments(metrics::EnrollMetrics& m) {
  const PhoneEnrollTally& t = phone_enroll_tally();
  m.phones(t.enrolled, t.refused, t.deferred, t.failed);
}

}  // namespace p2psip::runtime
