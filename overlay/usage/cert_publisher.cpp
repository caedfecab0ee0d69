#include "overlay/usage/cert_publisher.h"

#include <algorithm>

#include "overlay/storage/data_store.h"
#include "overlay/storage/kinds.h"
#include "overlay/storage/resource_id.h"

namespace p2psip::usage {

namespace {

std::optional<wire::DataModel> array_model(wire::KindId k) {
  if (storage::is_certificate_kind(k)) return wire::DataModel::kArray;
  return std::nullopt;
}

// Every entry of the array (§7.4.2.1: "The array range [0, 2^32-1] ... all values").
Bytes fetch_all(const CertificatePlacement& p) {
  wire::ArraySpecifier all{{wire::ArrayRange{0, 0xffffffff}}};
  wire::StoredDataSpecifier spec{p.kind, 0, all};
  auto body = wire::encode_to_bytes(wire::FetchReq{p.resource, {spec}});
  return body ? std::move(*body) : Bytes{};
}

}  // namespace

std::vector<CertificatePlacement> certificate_placements(const security::Certificate& cert) {
  std::vector<CertificatePlacement> out;
  for (const security::NodeId& n : cert.node_ids()) {
    out.push_back({storage::node_resource_id(wire::NodeId(n)), storage::kCertificateByNodeKindId});
  }
  if (!cert.user().empty()) {
    out.push_back({storage::resource_id_of(cert.user()), storage::kCertificateByUserKindId});
  }
  return out;
}

std::uint32_t certificate_index(const wire::FetchAns& fetched, wire::KindId kind, ByteView der) {
  for (const wire::FetchKindResponse& kr : fetched.kind_responses) {
    if (kr.kind != kind) continue;
    for (const wire::StoredData& d : kr.values) {
      const auto* a = std::get_if<wire::ArrayEntry>(&d.value);
      if (a && a->value.exists && std::ranges::equal(a->value.value, der)) return a->index;
    }
  }
  return storage::kArrayAppendIndex;
}

CertificatePublisher::CertificatePublisher(RequestSender& sender,
                                           std::shared_ptr<storage::DataSigner> signer,
                                           wire::GenericCertificate certificate,
                                           std::vector<CertificatePlacement> placements,
                                           PublisherConfig config)
    : sender_(sender), signer_(std::move(signer)), certificate_(std::move(certificate)),
      placements_(std::move(placements)), config_(config) {}

CertificatePublisher::~CertificatePublisher() { *alive_ = false; }

std::optional<Millis> CertificatePublisher::next_deadline() const {
  if (in_flight_ || placements_.empty() || !signer_) return std::nullopt;
  return next_;
}

bool CertificatePublisher::poll(Millis now, std::uint64_t now_ms, Done done) {
  if (publications_ == 0 && !first_change_) ring_changed(now);  // ready: settling starts
  if (in_flight_ || placements_.empty() || !signer_ || now < next_) return false;
  in_flight_ = true;
  ++publications_;
  last_storage_time_ = std::max(now_ms, last_storage_time_ + 1);  // a refresh replaces
  struct Pending {
    std::size_t left;
    bool ok = true;
  };
  auto pending = std::make_shared<Pending>(Pending{placements_.size()});
  std::weak_ptr<bool> alive = alive_;
  for (const CertificatePlacement& p : placements_) {
    publish_at(p, last_storage_time_, [this, alive, pending, now, done](bool ok) {
      pending->ok = pending->ok && ok;
      if (--pending->left > 0 || alive.expired()) return;
      finished(pending->ok, now);
      if (done) done(pending->ok);
    });
  }
  return true;
}

void CertificatePublisher::ring_changed(Millis now) {
  if (publications_ > 0) return;
  if (!first_change_) first_change_ = now;
  next_ = std::min(now + config_.settle, *first_change_ + config_.max_settle);
}

void CertificatePublisher::replace(std::shared_ptr<storage::DataSigner> signer,
                                   wire::GenericCertificate certificate, Millis now) {
  signer_ = std::move(signer);
  certificate_ = std::move(certificate);
  backoff_ = Millis{0};
  if (in_flight_) again_ = true;
  next_ = now;
}

void CertificatePublisher::finished(bool ok, Millis now) {
  in_flight_ = false;
  stored_ = ok;
  if (again_) {
    again_ = false;
    next_ = now;
    return;
  }
  if (ok) {
    backoff_ = Millis{0};
    next_ = now + Millis{static_cast<std::int64_t>(config_.lifetime_s * 1000.0 *
                                                   config_.refresh_fraction)};
    return;
  }
  backoff_ = backoff_.count() == 0 ? config_.retry_delay
                                   : std::min(config_.max_retry_delay, backoff_ * 2);
  next_ = now + backoff_;
}

void CertificatePublisher::publish_at(const CertificatePlacement& p, std::uint64_t storage_time,
                                      std::function<void(bool)> done) {
  std::weak_ptr<bool> alive = alive_;
  sender_.send(p.resource, wire::MessageCode::kFetchReq, fetch_all(p), {},
               [this, alive, p, storage_time, done = std::move(done)](OverlayAnswer a) {
                 if (alive.expired()) return;
                 std::uint32_t index = storage::kArrayAppendIndex;
                 if (a.outcome == OverlayAnswer::Outcome::kAnswer) {
                   auto fetched = wire::decode_fetch_ans(a.body, array_model);
                   if (fetched) {
                     index = certificate_index(*fetched, p.kind, certificate_.certificate);
                   }
                 }
                 // No answer: the array is empty or lost; appending is right for both.
                 store_at(p, index, storage_time, done);
               });
}

void CertificatePublisher::store_at(const CertificatePlacement& p, std::uint32_t index,
                                    std::uint64_t storage_time, std::function<void(bool)> done) {
  wire::StoredData d;
  d.storage_time = storage_time;
  d.lifetime = config_.lifetime_s;
  d.value = wire::ArrayEntry{index, wire::DataValue{true, certificate_.certificate}};
  d = storage::sign_stored_data(*signer_, p.resource, p.kind, std::move(d));
  wire::StoreKindData kd;
  kd.kind = p.kind;
  kd.values.push_back(std::move(d));
  wire::StoreReq req;
  req.resource = p.resource;
  req.kind_data.push_back(std::move(kd));
  auto body = wire::encode_to_bytes(req);
  if (!body) return done(false);
  // The StoreReq is signed by the certificate it stores (NODE-MATCH / USER-MATCH hold its
  // signer to that certificate's Node-ID and user, §7.3): the node's own.
  sender_.send(p.resource, wire::MessageCode::kStoreReq, std::move(*body),
               storage::RequestSigner{signer_, {certificate_}},
               [done = std::move(done)](OverlayAnswer a) {
                 done(a.outcome == OverlayAnswer::Outcome::kAnswer &&
                      a.code == wire::MessageCode::kStoreAns);
               });
}

}  // namespace p2psip::usage
