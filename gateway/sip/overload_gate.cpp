#include "gateway/sip/overload_gate.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_stateless.h>
#include <sofia-sip/sip_header.h>

#include <algorithm>
#include <string>

#include "metrics/metrics.h"

namespace p2psip::sip {

namespace {

constexpr Millis kLogEvery{10'000};  // refusals are summarised, not logged one by one

// Initial: outside a dialog (no To-tag) and neither ACK nor CANCEL, which belong to a
// transaction already admitted (RFC 3261 §9.2, §17.1.1.3).
bool initial(const sip_s* sip) {
  const auto method = sip->sip_request->rq_method;
  if (method == sip_method_ack || method == sip_method_cancel) return false;
  return !(sip->sip_to && sip->sip_to->a_tag);
}

}  // namespace

OverloadGate::OverloadGate(const OverloadLimits& limits, std::vector<config::Cidr> trusted,
                           Probes probes, const Clock& clock, metrics::OverloadMetrics& metrics,
                           metrics::SipMetrics& sip_metrics, std::shared_ptr<spdlog::logger> log)
    : control_(limits),
      trusted_(std::move(trusted)),
      probes_(std::move(probes)),
      clock_(clock),
      metrics_(metrics),
      sip_metrics_(sip_metrics),
      log_(std::move(log)) {}

bool OverloadGate::admit(nta_agent_s* agent, sofia::Message& msg, sip_s* sip, std::string_view source_ip,
                         std::size_t transactions) {
  AdmissionRequest r;
  r.source = source_ip;
  r.initial = initial(sip);
  r.trusted = r.initial && std::any_of(trusted_.begin(), trusted_.end(),
                                       [&](const config::Cidr& c) { return c.contains(source_ip); });
  LoadSignals s;
  s.udp_backlog = probes_.udp_backlog ? probes_.udp_backlog() : 0.0;
  s.queue_delay_ms = probes_.queue_delay_ms ? probes_.queue_delay_ms() : -1.0;
  s.loop_lag = probes_.loop_lag ? probes_.loop_lag() : Millis{0};
  s.lookups = probes_.lookups ? probes_.lookups() : 0;
  s.transactions = transactions;
  Admission verdict = control_.decide(r, s, clock_.monotonic());
  if (control_.shedding() != was_shedding_) transition(s);
  if (verdict == Admission::admit) return true;
  refuse(agent, std::move(msg), verdict, source_ip);
  return false;
}

void OverloadGate::transition(const LoadSignals& s) {
  was_shedding_ = control_.shedding();
  metrics_.shedding(was_shedding_);
  ++transitions_;
  Millis now = clock_.monotonic();
  if (now - last_transition_log_ < kLogEvery) return;  // flapping is summarised
  last_transition_log_ = now;
  if (was_shedding_) {
    log_->warn("overloaded (requests wait {:.0f} ms in the UDP queue, which is {:.0f}% full; "
               "loop lag {} ms, {} transactions, {} lookups): refusing new requests with 503 "
               "({} on/off changes since the last report)",
               control_.standing_delay_ms(), s.udp_backlog * 100, s.loop_lag.count(),
               s.transactions, s.lookups, transitions_);
  } else {
    log_->info("load below the limits: accepting new requests ({} on/off changes since the last "
               "report)", transitions_);
  }
  transitions_ = 0;
}

void OverloadGate::refuse(nta_agent_s* agent, sofia::Message msg, Admission why,
                          std::string_view source_ip) {
  metrics_.shed(why == Admission::shed ? metrics::ShedReason::kOverload
                                       : metrics::ShedReason::kSourceLimit);
  std::string retry_after = std::to_string(control_.limits().retry_after_s);
  // Stateless (nta_msg_treply, the proxy's path for its other refusals): no transaction to
  // hold for a request we do not serve.
  nta_msg_treply(agent, msg.release(), 503, "Service Unavailable",
                 SIPTAG_RETRY_AFTER_STR(retry_after.c_str()), TAG_END());
  sip_metrics_.response_sent(503);
  ++refused_since_log_;
  Millis now = clock_.monotonic();
  if (now - last_log_ >= kLogEvery) {
    log_->warn("refused {} request(s) with 503 in the last {} s (latest: {} from {})",
               refused_since_log_, kLogEvery.count() / 1000, to_string(why), source_ip);
    last_log_ = now;
    refused_since_log_ = 0;
  }
}

}  // namespace p2psip::sip
