#pragma once
// Renewal of the certificates a gateway enrolled for its plain phones (node_enrollment.h: one
// per phone of the phones file, <data_dir>/phones/<user@domain>.{crt,key}). A timer looks at
// those certificates; a phone whose certificate is due (renewal_due: less than a third of its
// lifetime left) is enrolled again with the password of the phones file, on libuv's thread pool
// (blocking network I/O, never on the loop), into <data_dir>/phones/.renew/; each new pair then
// replaces the phone's files by rename. The server gives the same Node-ID back (the gateway's:
// the CSR is sent with its certificate, RFC 7904 §3.3). On the loop, `renewed(aor)` runs for
// each renewed phone (the phone front-end stores its binding again, signed with the new
// certificate), a line is logged and p2psip_enroll_phones_total{result="renewed"} counts it.

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "gateway/config/gateway_config.h"
#include "gateway/runtime/node_enrollment.h"
#include "metrics/metrics.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::runtime {

struct PhoneCertificate {
  std::string aor;  // user@domain, the file's name without .crt
  SysSeconds not_before, not_after;
};

// Pure: the AoRs whose certificates are due for renewal at `now`.
std::vector<std::string> phones_due(const std::vector<PhoneCertificate>& certs, SysSeconds now);

// Pure: when to look again: the shortest renewal_check_interval of the certificates (at most
// `longest`; `longest` when there is none).
Millis phones_check_interval(const std::vector<PhoneCertificate>& certs, Millis longest);

class PhoneRenewal {
 public:
  using Renewed = std::function<void(const std::string& aor)>;
  // `gateway`: the gateway's own enrollment options (data_dir: <data_dir>/enrollment).
  PhoneRenewal(uv_loop_t* loop, overlay::EnrollClientOptions gateway, std::string phones_dir,
               std::string phones_file, std::shared_ptr<spdlog::logger> log,
               metrics::EnrollMetrics& metrics, Renewed renewed);
  PhoneRenewal(const PhoneRenewal&) = delete;
  PhoneRenewal& operator=(const PhoneRenewal&) = delete;

 private:
  void check();

  uv_loop_t* loop_;
  overlay::EnrollClientOptions gateway_;
  std::string phones_dir_, phones_file_;
  std::shared_ptr<spdlog::logger> log_;
  metrics::EnrollMetrics& metrics_;
  std::shared_ptr<Renewed> renewed_;  // the work holds it weakly
  std::shared_ptr<bool> in_flight_ = std::make_shared<bool>(false);  // shared with the work
  uv::Timer timer_;
};

// With enroll and a phones file: the renewal of the phones' certificates; else nullptr.
std::unique_ptr<PhoneRenewal> renew_phones_while_running(uv_loop_t* loop, const config::GatewayConfig& config,
                                                         metrics::EnrollMetrics& metrics,
                                                         PhoneRenewal::Renewed renewed);

}  // namespace p2psip::runtime
