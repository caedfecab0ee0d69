#include "overlay/storage/known_certificates.h"

#include <algorithm>

#include "overlay/security/signature.h"
#include "overlay/storage/kinds.h"

namespace p2psip::storage {

namespace sec = p2psip::security;

namespace {

Bytes sha256(ByteView der) {
  auto h = sec::cert_hash(sec::HashAlgorithm::sha256, der);
  return h ? std::move(*h) : Bytes{};
}

// SHA-256(Node-ID || DER) for each Node-ID of the certificate (cert_hash_node_id).
std::vector<Bytes> node_hashes(const sec::Certificate& cert) {
  std::vector<Bytes> out;
  for (const sec::NodeId& n : cert.node_ids()) {
    if (auto h = sec::cert_hash_node_id(sec::HashAlgorithm::sha256, n, cert.der())) {
      out.push_back(std::move(*h));
    }
  }
  return out;
}

}  // namespace

KnownCertificates::KnownCertificates(std::vector<sec::RootCertificate> roots, std::string overlay,
                                     std::size_t capacity, std::chrono::seconds recheck)
    : roots_(std::move(roots)), overlay_(std::move(overlay)), capacity_(capacity),
      recheck_(recheck) {}

KnownCertificates::CertPtr KnownCertificates::learn(ByteView der, sec::SysSeconds now) {
  Bytes key = sha256(der);
  {
    std::lock_guard lock(mutex_);
    auto it = by_hash_.find(key);
    if (it != by_hash_.end() && (it->second.pinned || (now >= it->second.checked &&
                                                       now - it->second.checked < recheck_))) {
      return it->second.cert;
    }
  }
  auto cert = sec::Certificate::from_der(der, overlay_);
  if (!cert || !cert->verify_chain(roots_, now)) return nullptr;
  auto ptr = std::make_shared<const sec::Certificate>(std::move(*cert));
  insert(ptr, now, false);
  return ptr;
}

void KnownCertificates::remember(const sec::Certificate& cert, sec::SysSeconds now) {
  insert(std::make_shared<const sec::Certificate>(cert), now, false);
}

void KnownCertificates::pin(const sec::Certificate& cert) {
  insert(std::make_shared<const sec::Certificate>(cert), sec::SysSeconds{}, true);
}

std::size_t KnownCertificates::learn_stored(const wire::StoreReq& req, sec::SysSeconds now) {
  std::size_t learned = 0;
  for (const wire::StoreKindData& kd : req.kind_data) {
    if (!is_certificate_kind(kd.kind)) continue;
    for (const wire::StoredData& d : kd.values) {
      const auto* a = std::get_if<wire::ArrayEntry>(&d.value);
      if (a && a->value.exists && learn(a->value.value, now)) ++learned;
    }
  }
  return learned;
}

void KnownCertificates::insert(CertPtr cert, sec::SysSeconds now, bool pinned) {
  Bytes key = sha256(cert->der());
  if (key.empty()) return;
  std::lock_guard lock(mutex_);
  auto it = by_hash_.find(key);
  if (it != by_hash_.end()) {
    it->second.checked = now;
    it->second.pinned = it->second.pinned || pinned;
    return;
  }
  for (Bytes& h : node_hashes(*cert)) by_node_hash_[std::move(h)] = key;
  by_hash_.emplace(key, Entry{std::move(cert), now, pinned});
  if (!pinned) order_.push_back(std::move(key));
  evict_locked();
}

void KnownCertificates::evict_locked() {
  while (order_.size() > capacity_) {
    Bytes key = std::move(order_.front());
    order_.pop_front();
    auto it = by_hash_.find(key);
    if (it == by_hash_.end() || it->second.pinned) continue;
    erase_locked(it);
  }
}

void KnownCertificates::erase_locked(std::map<Bytes, Entry, BytesLess>::iterator it) {
  for (const Bytes& h : node_hashes(*it->second.cert)) by_node_hash_.erase(h);
  by_hash_.erase(it);
}

KnownCertificates::CertPtr KnownCertificates::find(const wire::SignerIdentity& id,
                                                   sec::SysSeconds now) {
  if (id.hash_alg != wire::kHashSha256) return nullptr;
  std::unique_lock lock(mutex_);
  Bytes key = id.hash;
  if (id.type == wire::SignerIdentityType::kCertHashNodeId) {
    auto n = by_node_hash_.find(id.hash);
    if (n == by_node_hash_.end()) return nullptr;
    key = n->second;
  } else if (id.type != wire::SignerIdentityType::kCertHash) {
    return nullptr;
  }
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return nullptr;
  Entry& e = it->second;
  if (e.pinned || (now >= e.checked && now - e.checked < recheck_)) return e.cert;
  CertPtr cert = e.cert;
  lock.unlock();  // chain validation is the slow part: not under the lock
  bool ok = static_cast<bool>(cert->verify_chain(roots_, now));
  lock.lock();
  it = by_hash_.find(key);
  if (it == by_hash_.end()) return ok ? cert : nullptr;
  if (ok) {
    it->second.checked = now;
    return cert;
  }
  erase_locked(it);  // its order_ entry is skipped when it comes up
  return nullptr;
}

std::size_t KnownCertificates::size() const {
  std::lock_guard lock(mutex_);
  return by_hash_.size();
}

}  // namespace p2psip::storage
