#include "overlay/api/certificate_service.h"

#include <algorithm>
#include <string>

namespace p2psip::overlay {

CertificateService::CertificateService(uv_loop_t* loop,
                                       std::unique_ptr<usage::CertificatePublisher> publisher,
                                       const Clock& clock, std::function<bool()> ready,
                                       LogFn log)
    : publisher_(std::move(publisher)), clock_(clock), ready_(std::move(ready)),
      log_(std::move(log)), timer_(loop) {}

void CertificateService::node_changed(bool ring_changed) {
  if (ring_changed) publisher_->ring_changed(clock_.monotonic());
  run();
}

void CertificateService::renewed(std::shared_ptr<storage::DataSigner> signer,
                                 wire::GenericCertificate certificate) {
  publisher_->replace(std::move(signer), std::move(certificate), clock_.monotonic());
  run();
}

void CertificateService::run() {
  if (ready_()) {
    publisher_->poll(clock_.monotonic(), clock_.wall_ms(), [this](bool ok) {
      if (log_) {
        log_(ok ? LogLevel::kDebug : LogLevel::kWarn,
             ok ? "certificate stored in the overlay (RFC 6940 §8)"
                : "storing the certificate in the overlay failed; retrying");
      }
      rearm();
    });
  }
  rearm();
}

void CertificateService::rearm() {
  auto next = publisher_->next_deadline();
  if (!next || !ready_()) {
    timer_.stop();
    return;
  }
  auto wait = std::max<std::int64_t>(0, (*next - clock_.monotonic()).count());
  timer_.start(static_cast<std::uint64_t>(wait) + 1, 0, [this] { run(); });
}

}  // namespace p2psip::overlay
