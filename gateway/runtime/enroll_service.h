#pragma once
// The enrollment server's process parts (RFC 6940 §11; p2psip/overlay/enroll.h): the password
// lockout, the counters for the log and /metrics, and the server on a thread of its own for
// `p2psip gateway` with enroll_listen (the server has its own poll loop, never the gateway's).

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/expected.h"
#include "gateway/config/gateway_config.h"
#include "gateway/registrar/failed_attempts.h"
#include "gateway/runtime/overlay_credentials.h"
#include "metrics/metrics.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::runtime {

// The registrar's lockout (`limit` wrong passwords per user and source within 5 minutes).
class EnrollLockout final : public overlay::EnrollAttemptLimiter {
 public:
  explicit EnrollLockout(std::size_t limit) : attempts_(limit) {}
  bool blocked(const std::string& key) override { return attempts_.blocked(key, clock_.monotonic()); }
  void failed(const std::string& key) override { attempts_.fail(key, clock_.monotonic()); }
  void succeeded(const std::string& key) override { attempts_.succeeded(key); }

 private:
  SystemClock clock_;
  registrar::FailedAttempts attempts_;
};

// Counts for the log line at exit, and the p2psip_enroll_* counters when `m` is given.
class EnrollReport final : public overlay::EnrollObserver {
 public:
  explicit EnrollReport(metrics::EnrollMetrics* m) : metrics_(m) {}
  void document_served() override;
  void enrolled() override;
  void refused(std::string_view reason) override;
  void connection_evicted() override;
  void log() const;

 private:
  metrics::EnrollMetrics* metrics_;
  std::uint64_t documents_ = 0, enrolled_ = 0, evicted_ = 0;
  std::map<std::string, std::uint64_t> refused_;
};

// run_enroll_server on its own thread; the destructor stops it (the flag its tick checks) and
// joins.
class EnrollThread {
 public:
  // Returns once the server listens, or its start-up error (printed on stderr by the server).
  static Expected<std::unique_ptr<EnrollThread>, StartError> start(overlay::EnrollServerOptions o,
                                                                   std::size_t lockout,
                                                                   metrics::EnrollMetrics& m,
                                                                   spdlog::logger& log);
  ~EnrollThread();
  EnrollThread(const EnrollThread&) = delete;
  EnrollThread& operator=(const EnrollThread&) = delete;

 private:
  EnrollThread(std::size_t lockout, metrics::EnrollMetrics& m) : lockout_(lockout), report_(&m) {}
  EnrollLockout lockout_;
  EnrollReport report_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The addresses the gateway announces (its SIP advertise IP, the overlay's advertised IP):
// an enroll_listen or overlay_listen on the any-address (0.0.0.0, ::) cannot be written into
// the configuration document, so these stand in for it there.
struct AnnouncedHosts {
  std::string sip;
  std::string overlay;
};

// The server options enroll_listen and its keys give (users not read yet). Pure.
overlay::EnrollServerOptions gateway_enroll_options(const config::GatewayConfig& c,
                                                    const AnnouncedHosts& announced);

// The gateway's in-process server when enroll_listen is set (null otherwise), with the
// defaults: users = phones_file, ca_dir = data_dir/ca, bootstrap = the gateway's overlay_listen;
// the document's enrollment URL and bootstrap name `announced` where those listen on the
// any-address.
Expected<std::unique_ptr<EnrollThread>, StartError> start_gateway_enroll(
    const config::GatewayConfig& c, const AnnouncedHosts& announced, metrics::EnrollMetrics& m,
    spdlog::logger& log);

}  // namespace p2psip::runtime
