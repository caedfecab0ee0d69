#pragma once
// The SIP side on Sofia-SIP nta (DESIGN.md §4): one agent listening on UDP and TCP, a server
// transaction per request, answers counted in the metrics. Everything runs on the loop thread.

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "common/expected.h"
#include "gateway/config/host_port.h"

struct nta_agent_s;
struct msg_s;
struct sip_s;
struct su_root_s;

namespace p2psip::metrics {
class SipMetrics;
}

namespace p2psip::sip {

class SipAgent {
 public:
  static Expected<std::unique_ptr<SipAgent>, std::string> start(
      su_root_s* root, const config::HostPort& listen, metrics::SipMetrics& metrics,
      std::shared_ptr<spdlog::logger> log);
  ~SipAgent();
  SipAgent(const SipAgent&) = delete;
  SipAgent& operator=(const SipAgent&) = delete;

 private:
  SipAgent(metrics::SipMetrics& metrics, std::shared_ptr<spdlog::logger> log)
      : metrics_(metrics), log_(std::move(log)) {}
  // nta's message callback for requests (and stray responses) outside any transaction.
  static int on_message(void* magic, nta_agent_s* agent, msg_s* msg, sip_s* sip);
  void handle_request(msg_s* msg, sip_s* sip);

  nta_agent_s* agent_ = nullptr;
  metrics::SipMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace p2psip::sip
