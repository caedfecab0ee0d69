#include "overlay/storage/cert_cache.h"

namespace p2psip::storage {

namespace {
std::string key_of(ByteView der) {
  return std::string(reinterpret_cast<const char*>(der.data()), der.size());
}
}  // namespace

std::optional<security::Certificate> VerifiedCertificateCache::find(ByteView der,
                                                                   security::SysSeconds now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key_of(der));
  if (it == entries_.end()) return std::nullopt;
  // A clock that went backwards, or an old verification: check again.
  if (now < it->second.verified_at || now - it->second.verified_at >= max_age_) {
    entries_.erase(it);
    return std::nullopt;
  }
  ++hits_;
  return it->second.cert;
}

void VerifiedCertificateCache::remember(const security::Certificate& cert,
                                        security::SysSeconds now) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_) entries_.clear();
  std::string key = key_of(cert.der());
  entries_.erase(key);  // Certificate has no copy assignment
  entries_.emplace(std::move(key), Entry{cert, now});
}

std::size_t VerifiedCertificateCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t VerifiedCertificateCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

}  // namespace p2psip::storage
