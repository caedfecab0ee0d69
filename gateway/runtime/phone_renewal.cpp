#include "gateway/runtime/phone_renewal.h"

#include <algorithm>
#include <filesystem>

#include "gateway/config/phones.h"
#include "gateway/runtime/certificate_renewal.h"
#include "gateway/runtime/logging.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::runtime {

namespace {

namespace fs = std::filesystem;
namespace ov = p2psip::overlay;

// The phones' certificates in `dir` (those that cannot be read are left out: the phone front-end
// warns about them when it stores the phone).
std::vector<PhoneCertificate> phone_certificates(const fs::path& dir) {
  std::vector<PhoneCertificate> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".crt" || p.filename().string().starts_with(".")) continue;
    if (auto cert = ov::read_certificate(p.string())) {
      out.push_back({p.stem().string(), cert->not_before, cert->not_after});
    }
  }
  return out;
}

// One round of renewals on the thread pool. Owns everything it touches: the PhoneRenewal may be
// gone when it completes.
struct PhoneWork {
  uv_work_t req{};
  ov::EnrollClientOptions options;  // data_dir: the temporary directory
  std::string node_cert, node_key, phones_dir;
  std::vector<ov::PhoneCredentials> phones;
  std::vector<ov::PhoneEnrollment> results;
  std::vector<std::string> renewed;  // AoRs whose files were replaced
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<bool> in_flight;
  std::weak_ptr<PhoneRenewal::Renewed> done;
};

void renew_off_loop(uv_work_t* req) {
  auto* w = static_cast<PhoneWork*>(req->data);
  std::error_code ec;
  fs::remove_all(w->options.data_dir, ec);
  fs::create_directories(w->options.data_dir, ec);
  w->results = ov::enroll_phones(w->options, w->node_cert, w->node_key, w->phones);
  for (const auto& r : w->results) {
    if (r.result.exit_code != ov::kEnrollExitOk) continue;
    fs::path from = fs::path(w->options.data_dir) / r.result.user, to = fs::path(w->phones_dir) / r.result.user;
    // The key first: until the certificate follows, the old one (same gateway key) stays valid.
    fs::rename(from.string() + ".key", to.string() + ".key", ec);
    if (!ec) fs::rename(from.string() + ".crt", to.string() + ".crt", ec);
    if (!ec) w->renewed.push_back(r.result.user);
  }
  fs::remove_all(w->options.data_dir, ec);
}

void renewed_on_loop(uv_work_t* req, int status) {
  std::unique_ptr<PhoneWork> w(static_cast<PhoneWork*>(req->data));
  *w->in_flight = false;
  if (status != 0) {
    w->log->warn("phone certificate renewal failed, trying again later: {}", uv_strerror(status));
    return;
  }
  for (const auto& r : w->results) {
    bool replaced = std::find(w->renewed.begin(), w->renewed.end(), r.result.user) != w->renewed.end();
    if (r.result.exit_code == ov::kEnrollExitOk && !replaced) {
      w->log->warn("phone {}: renewed certificate not put in place in {}, trying again later", r.user, w->phones_dir);
    } else if (r.result.exit_code != ov::kEnrollExitOk) {
      w->log->warn("phone {}: certificate renewal failed, trying again later: {}", r.user,
                   r.result.refusal.empty() ? r.result.message : r.result.refusal);
    }
  }
  auto done = w->done.lock();
  for (const auto& aor : w->renewed) {
    w->log->info("phone {}: renewed its certificate in {}/{}.crt (same Node-ID)", aor, w->phones_dir, aor);
    if (done && *done) (*done)(aor);
  }
}

}  // namespace

std::vector<std::string> phones_due(const std::vector<PhoneCertificate>& certs, SysSeconds now) {
  std::vector<std::string> due;
  for (const auto& c : certs) {
    if (renewal_due(c.not_before, c.not_after, now)) due.push_back(c.aor);
  }
  return due;
}

Millis phones_check_interval(const std::vector<PhoneCertificate>& certs, Millis longest) {
  Millis next = longest;
  for (const auto& c : certs) next = std::min(next, renewal_check_interval(c.not_before, c.not_after, longest));
  return next;
}

PhoneRenewal::PhoneRenewal(uv_loop_t* loop, ov::EnrollClientOptions gateway, std::string phones_dir,
                           std::string phones_file, std::shared_ptr<spdlog::logger> log,
                           metrics::EnrollMetrics& metrics, Renewed renewed)
    : loop_(loop), gateway_(std::move(gateway)), phones_dir_(std::move(phones_dir)),
      phones_file_(std::move(phones_file)), log_(std::move(log)), metrics_(metrics),
      renewed_(std::make_shared<Renewed>([this, renewed = std::move(renewed)](const std::string& aor) {
        metrics_.phone_renewed();
        if (renewed) renewed(aor);
      })),
      timer_(loop) {
  Millis first = phones_check_interval(phone_certificates(phones_dir_), CertificateRenewal::kDefaultInterval);
  timer_.start(static_cast<std::uint64_t>(first.count()), 0, [this] { check(); });
  timer_.unref();  // never keeps the loop alive on its own
}

void PhoneRenewal::check() {
  auto certs = phone_certificates(phones_dir_);
  Millis next = phones_check_interval(certs, CertificateRenewal::kDefaultInterval);
  timer_.start(static_cast<std::uint64_t>(next.count()), 0, [this] { check(); });
  if (*in_flight_) return;
  auto due = phones_due(certs, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  if (due.empty()) return;
  auto book = config::read_phones_file(phones_file_);
  if (!book) {
    log_->warn("phone certificates due for renewal, but the phones file cannot be read: {}", book.error());
    return;
  }
  auto w = std::make_unique<PhoneWork>();
  for (const auto& aor : due) {
    auto it = book->find(aor.substr(0, aor.find('@')));
    if (it == book->end()) continue;  // no phone of the phones file any more
    w->phones.push_back({it->first, it->second});
  }
  if (w->phones.empty()) return;
  w->req.data = w.get();
  w->options = gateway_;
  w->options.data_dir = (fs::path(phones_dir_) / ".renew").string();
  w->node_cert = (fs::path(gateway_.data_dir) / "node.crt").string();
  w->node_key = (fs::path(gateway_.data_dir) / "node.key").string();
  w->phones_dir = phones_dir_;
  w->log = log_;
  w->in_flight = in_flight_;
  w->done = renewed_;
  log_->info("{} phone certificate(s) due for renewal: renewing them at {}", w->phones.size(), gateway_.url);
  if (uv_queue_work(loop_, &w->req, renew_off_loop, renewed_on_loop) != 0) return;
  *in_flight_ = true;
  w.release();  // freed in renewed_on_loop()
}

std::unique_ptr<PhoneRenewal> renew_phones_while_running(uv_loop_t* loop, const config::GatewayConfig& config,
                                                         metrics::EnrollMetrics& metrics,
                                                         PhoneRenewal::Renewed renewed) {
  if (!config.enroll.enabled() || config.phones_file.empty()) return nullptr;
  auto log = make_logger("enroll", config.log_level);
  auto options = enroll_options(config.enroll, config.data_dir);
  if (!options) {
    log->warn("no renewal of the phones' certificates while running: {}", options.error().message);
    return nullptr;
  }
  return std::make_unique<PhoneRenewal>(loop, std::move(*options),
                                        (fs::path(config.data_dir) / "phones").string(), config.phones_file,
                                        std::move(log), metrics, std::move(renewed));
}

}  // namespace p2psip::runtime
