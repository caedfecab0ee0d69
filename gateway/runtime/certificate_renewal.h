#pragma once
// Renewal of an enrolled node's certificate while it runs (node_enrollment.h renews at start):
// a timer looks at the certificate file every `interval`; once renewal_due() says so, the
// exchange with the enrollment server (renew_enrollment: blocking network I/O) runs on libuv's
// thread pool (uv_queue_work), never on the loop thread; its result is logged on the loop.
// The renewed files replace those in <data_dir>/enrollment/ and `renewed` runs on the loop:
// the processes hand them to the running node there (node_certificate.h). A renewal in flight at shutdown delays the loop's close until it ends (each of its
// network steps is bounded by 10 s).

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "gateway/config/gateway_config.h"
#include "gateway/runtime/node_enrollment.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::runtime {

// Pure: how long until the certificate is looked at again: a 32nd of its lifetime (so a
// short-lived certificate is renewed soon after a third of it is left), at least 1 s, at most
// `longest`.
Millis renewal_check_interval(SysSeconds not_before, SysSeconds not_after, Millis longest);

class CertificateRenewal {
 public:
  static constexpr Millis kDefaultInterval{6 * 3600 * 1000};
  // `interval`: the longest time between two looks at the certificate. `renewed` runs on the
  // loop after each successful renewal (not after the CertificateRenewal is gone).
  CertificateRenewal(uv_loop_t* loop, overlay::EnrollClientOptions options,
                     std::shared_ptr<spdlog::logger> log, Millis interval = kDefaultInterval,
                     std::function<void()> renewed = {});
  CertificateRenewal(const CertificateRenewal&) = delete;
  CertificateRenewal& operator=(const CertificateRenewal&) = delete;

 private:
  void check();

  uv_loop_t* loop_;
  overlay::EnrollClientOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  Millis interval_;
  std::shared_ptr<std::function<void()>> renewed_;  // the work holds it weakly
  std::shared_ptr<bool> in_flight_ = std::make_shared<bool>(false);  // shared with the work
  uv::Timer timer_;
};

// The renewal of a node configured with enroll; nullptr without (or when its password file
// cannot be read any more: a warning says so).
std::unique_ptr<CertificateRenewal> renew_while_running(uv_loop_t* loop,
                                                        const config::OverlayConfig& config,
                                                        std::function<void()> renewed = {});

}  // namespace p2psip::runtime
