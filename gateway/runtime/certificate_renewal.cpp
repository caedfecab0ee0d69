#include "gateway/runtime/certificate_renewal.h"

#include <filesystem>

#include "gateway/runtime/logging.h"
#include "gateway/runtime/node_enrollment.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::runtime {

namespace {

// One renewal on the thread pool. Owns everything it touches: the CertificateRenewal may be
// gone when it completes.
struct RenewalWork {
  uv_work_t req{};
  overlay::EnrollClientOptions options;
  overlay::EnrollClientResult result;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<bool> in_flight;
  std::weak_ptr<std::function<void()>> renewed;
};

void renew_off_loop(uv_work_t* req) {
  auto* w = static_cast<RenewalWork*>(req->data);
  w->result = overlay::renew_enrollment(w->options);  // thread pool: blocking is fine here
}

void renewed(uv_work_t* req, int status) {
  std::unique_ptr<RenewalWork> w(static_cast<RenewalWork*>(req->data));
  *w->in_flight = false;
  if (status != 0 || w->result.exit_code != overlay::kEnrollExitOk) {
    w->log->warn("certificate renewal failed, trying again later: {}",
                 status != 0 ? uv_strerror(status) : w->result.message.c_str());
    return;
  }
  w->log->info("renewed the certificate in {} (user {}, same Node-ID {})", w->options.data_dir,
               w->result.user, w->result.node_ids.empty() ? "" : w->result.node_ids.front());
  if (auto cb = w->renewed.lock(); cb && *cb) (*cb)();
}

}  // namespace

Millis renewal_check_interval(SysSeconds not_before, SysSeconds not_after, Millis longest) {
  Millis part = std::chrono::duration_cast<Millis>(not_after - not_before) / 32;
  return std::min(longest, std::max(part, Millis{1000}));
}

CertificateRenewal::CertificateRenewal(uv_loop_t* loop, overlay::EnrollClientOptions options,
                                       std::shared_ptr<spdlog::logger> log, Millis interval,
                                       std::function<void()> renewed)
    : loop_(loop), options_(std::move(options)), log_(std::move(log)), interval_(interval),
      renewed_(std::make_shared<std::function<void()>>(std::move(renewed))), timer_(loop) {
  auto cert = overlay::read_certificate((std::filesystem::path(options_.data_dir) / "node.crt").string());
  Millis first = cert ? renewal_check_interval(cert->not_before, cert->not_after, interval_) : interval_;
  timer_.start(static_cast<std::uint64_t>(first.count()), 0, [this] { check(); });
  timer_.unref();  // never keeps the loop alive on its own
}

void CertificateRenewal::check() {
  auto cert = overlay::read_certificate((std::filesystem::path(options_.data_dir) / "node.crt").string());
  Millis next = cert ? renewal_check_interval(cert->not_before, cert->not_after, interval_) : interval_;
  timer_.start(static_cast<std::uint64_t>(next.count()), 0, [this] { check(); });
  if (*in_flight_) return;
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (!cert || !renewal_due(cert->not_before, cert->not_after, now)) return;
  auto w = std::make_unique<RenewalWork>();
  w->req.data = w.get();
  w->options = options_;
  w->log = log_;
  w->in_flight = in_flight_;
  w->renewed = renewed_;
  log_->info("certificate in {} due for renewal: renewing it at {}", options_.data_dir, options_.url);
  if (uv_queue_work(loop_, &w->req, renew_off_loop, renewed) != 0) return;
  *in_flight_ = true;
  w.release();  // freed in renewed()
}

std::unique_ptr<CertificateRenewal> renew_while_running(uv_loop_t* loop,
                                                        const config::OverlayConfig& config,
                                                        std::function<void()> renewed) {
  if (!config.enroll.enabled()) return nullptr;
  auto log = make_logger("enroll", config.log_level);
  auto options = enroll_options(config.enroll, config.data_dir);
  if (!options) {
    log->warn("no certificate renewal while running: {}", options.error().message);
    return nullptr;
  }
  return std::make_unique<CertificateRenewal>(loop, std::move(*options), std::move(log),
                                              CertificateRenewal::kDefaultInterval,
                                              std::move(renewed));
}

}  // namespace p2psip::runtime
