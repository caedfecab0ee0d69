#pragma once
// Renewal of an enrolled node's certificate while it runs (node_enrollment.h renews at start):
// a timer looks at the certificate file every `interval`; once renewal_due() says so, the
// exchange with the enrollment server (renew_enrollment: blocking network I/O) runs on libuv's
// thread pool (uv_queue_work), never on the loop thread; its result is logged on the loop.
// The running node keeps the certificate it loaded (the overlay library cannot swap a running
// node's certificate yet): the renewed files in <data_dir>/enrollment/ are used from the next
// start. A renewal in flight at shutdown delays the loop's close until it ends (each of its
// network steps is bounded by 10 s).

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "gateway/config/gateway_config.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::runtime {

class CertificateRenewal {
 public:
  static constexpr Millis kDefaultInterval{6 * 3600 * 1000};
  CertificateRenewal(uv_loop_t* loop, overlay::EnrollClientOptions options,
                     std::shared_ptr<spdlog::logger> log, Millis interval = kDefaultInterval);
  CertificateRenewal(const CertificateRenewal&) = delete;
  CertificateRenewal& operator=(const CertificateRenewal&) = delete;

 private:
  void check();

  uv_loop_t* loop_;
  overlay::EnrollClientOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<bool> in_flight_ = std::make_shared<bool>(false);  // shared with the work
  uv::Timer timer_;
};

// The renewal of a node configured with enroll; nullptr without (or when its password file
// cannot be read any more: a warning says so).
std::unique_ptr<CertificateRenewal> renew_while_running(uv_loop_t* loop,
                                                        const config::OverlayConfig& config);

}  // namespace p2psip::runtime
