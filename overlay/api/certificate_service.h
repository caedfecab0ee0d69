#pragma once
// CertificateService: the node's own certificate kept in the overlay's certificate store (RFC
// 6940 §8, usage::CertificatePublisher) on a libuv loop: published once the node is joined and
// its neighbours have settled, refreshed at 2/3 of its lifetime, retried with a backoff after a
// failure. Not removed on leave: the values expire with their lifetime.

#include <uv.h>

#include <functional>
#include <memory>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "overlay/usage/cert_publisher.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

class CertificateService {
 public:
  // `ready()`: the node is joined. Everything must outlive the service.
  CertificateService(uv_loop_t* loop, std::unique_ptr<usage::CertificatePublisher> publisher,
                     const Clock& clock, std::function<bool()> ready, LogFn log);
  // Call when the node's state or its neighbours changed.
  void node_changed(bool ring_changed);
  bool stored() const { return publisher_->stored(); }
  // A renewed certificate (same Node-IDs and user): stored again at once (when joined).
  void renewed(std::shared_ptr<storage::DataSigner> signer, wire::GenericCertificate certificate);

 private:
  void run();
  void rearm();

  std::unique_ptr<usage::CertificatePublisher> publisher_;
  const Clock& clock_;
  std::function<bool()> ready_;
  LogFn log_;
  uv::Timer timer_;
};

}  // namespace p2psip::overlay
