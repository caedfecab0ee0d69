#pragma once
// The proxy's admission step (overload.h) on Sofia: classifies a request (initial or not, its
// source trusted or not), reads the load signals, asks AdmissionControl and, on a refusal,
// answers 503 with Retry-After statelessly (no transaction is kept for a request we refuse;
// a retransmission is refused again, its ACK is dropped by the proxy) and counts it. Loop thread.

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "gateway/config/cidr.h"
#include "gateway/sip/overload.h"
#include "gateway/sip/sofia_handles.h"

struct nta_agent_s;
struct msg_s;
struct sip_s;

namespace p2psip::metrics {
class OverloadMetrics;
class SipMetrics;
}  // namespace p2psip::metrics

namespace p2psip::sip {

class OverloadGate {
 public:
  // Signals the proxy does not hold itself: the loop's lag and the pending overlay lookups.
  struct Probes {
    std::function<double()> udp_backlog;
    std::function<double()> queue_delay_ms;  // this request's wait in the UDP queue; < 0: unknown
    std::function<Millis()> loop_lag;
    std::function<std::size_t()> lookups;
  };
  OverloadGate(const OverloadLimits& limits, std::vector<config::Cidr> trusted, Probes probes,
               const Clock& clock, metrics::OverloadMetrics& metrics, metrics::SipMetrics& sip_metrics,
               std::shared_ptr<spdlog::logger> log);

  // True: go on with the request. False: it was refused and `msg` is consumed (null).
  bool admit(nta_agent_s* agent, sofia::Message& msg, sip_s* sip, std::string_view source_ip,
             std::size_t transactions);

 private:
  void transition(const LoadSignals& s);
  void refuse(nta_agent_s* agent, sofia::Message msg, Admission why, std::string_view source_ip);

  AdmissionControl control_;
  std::vector<config::Cidr> trusted_;
  Probes probes_;
  const Clock& clock_;
  metrics::OverloadMetrics& metrics_;
  metrics::SipMetrics& sip_metrics_;
  std::shared_ptr<spdlog::logger> log_;
  bool was_shedding_ = false;
  Millis last_transition_log_{-1'000'000};
  std::uint64_t transitions_ = 0;
  Millis last_log_{-1'000'000};
  std::uint64_t refused_since_log_ = 0;
};

}  // namespace p2psip::sip
