#include "overlay/usage/aor_walk.h"

#include <cctype>

#include "overlay/usage/sip_usage.h"

namespace p2psip::usage {

namespace {

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

std::string_view domain_of(std::string_view aor) { return aor.substr(aor.rfind('@') + 1); }

}  // namespace

AorWalk::AorWalk(std::string_view aor, std::string_view overlay_domain, std::size_t max_depth)
    : domain_(lower(overlay_domain)), max_depth_(max_depth) {
  auto start = normalize_aor(aor);
  if (!start) return;
  seen_.insert(*start);
  queue_.emplace_back(std::move(*start), 0);
}

std::optional<std::string> AorWalk::next() {
  if (current_ || queue_.empty()) return std::nullopt;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  out_.visited.push_back(current_->first);
  return current_->first;
}

void AorWalk::add_validity(std::uint32_t lifetime_s, std::uint64_t storage_time_ms) {
  std::uint64_t expiry = storage_time_ms + std::uint64_t{lifetime_s} * 1000;
  if (out_.min_lifetime_s == 0 || lifetime_s < out_.min_lifetime_s) out_.min_lifetime_s = lifetime_s;
  if (out_.earliest_expiry_ms == 0 || expiry < out_.earliest_expiry_ms) {
    out_.earliest_expiry_ms = expiry;
  }
}

void AorWalk::on_registrations(std::vector<wire::SipRegistration> registrations) {
  if (!current_) return;
  std::size_t depth = current_->second;
  current_.reset();
  for (wire::SipRegistration& reg : registrations) {
    if (reg.type == wire::SipRegistrationType::kRoute) {
      out_.routes.push_back(std::move(reg));
      continue;
    }
    auto next = normalize_aor(reg.uri);
    if (!next || domain_of(*next) != domain_) {
      out_.uris.push_back(std::move(reg.uri));
    } else if (seen_.count(*next) != 0) {
      continue;  // a loop, or an AoR already queued
    } else if (depth >= max_depth_) {
      out_.depth_exceeded = true;
    } else {
      seen_.insert(*next);
      queue_.emplace_back(std::move(*next), depth + 1);
    }
  }
}

}  // namespace p2psip::usage
