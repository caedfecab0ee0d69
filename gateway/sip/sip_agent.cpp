#include "gateway/sip/sip_agent.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#include "gateway/sip/local_answer.h"
#include "metrics/metrics.h"

namespace p2psip::sip {

namespace {

// nta's URL for a listen address: "sip:127.0.0.1:5060" binds UDP and TCP on it;
// the any-address is "*" in Sofia's syntax.
std::string listen_url(const config::HostPort& hp) {
  std::string host = hp.host;
  if (host == "0.0.0.0" || host == "::") host = "*";
  else if (hp.is_ipv6) host = "[" + host + "]";
  return "sip:" + host + ":" + std::to_string(hp.port);
}

}  // namespace

Expected<std::unique_ptr<SipAgent>, std::string> SipAgent::start(
    su_root_s* root, const config::HostPort& listen, metrics::SipMetrics& metrics,
    std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<SipAgent> self(new SipAgent(metrics, std::move(log)));
  std::string url = listen_url(listen);
  self->agent_ = nta_agent_create(
      root, URL_STRING_MAKE(url.c_str()),
      reinterpret_cast<nta_message_f*>(&SipAgent::on_message),
      reinterpret_cast<nta_agent_magic_t*>(self.get()), NTATAG_UA(0), NTATAG_CANCEL_487(0),
      NTATAG_SERVER_RPORT(1), NTATAG_CLIENT_RPORT(1), TAG_END());
  if (!self->agent_) {
    return unexpected("cannot listen for SIP on " + listen.to_string() +
                      " (udp+tcp): address in use or not available");
  }
  self->log_->info("SIP listening on {} (udp, tcp)", listen.to_string());
  return self;
}

SipAgent::~SipAgent() {
  if (agent_) nta_agent_destroy(agent_);
}

int SipAgent::on_message(void* magic, nta_agent_s*, msg_s* msg, sip_s* sip) {
  auto* self = static_cast<SipAgent*>(magic);
  if (sip && sip->sip_request) {
    self->handle_request(msg, sip);
  } else {
    // A response matching no client transaction: nothing to relay it to.
    self->log_->debug("dropping stray SIP response {}", sip && sip->sip_status ? sip->sip_status->st_status : 0);
    msg_destroy(msg);
  }
  return 0;
}

void SipAgent::handle_request(msg_s* msg, sip_s* sip) {
  const sip_request_t* rq = sip->sip_request;
  std::string_view method = rq->rq_method_name ? rq->rq_method_name : "";
  metrics_.request_received(method);
  bool to_gateway = !rq->rq_url->url_user || !*rq->rq_url->url_user;
  LocalAnswer answer = local_answer(method, to_gateway);
  if (answer.status == 0) {
    msg_destroy(msg);  // ACK: no response, ever
    return;
  }
  nta_incoming_t* irq = nta_incoming_create(agent_, nullptr, msg, sip, TAG_END());
  if (!irq) {
    log_->warn("cannot create a server transaction for {}", method);
    msg_destroy(msg);
    return;
  }
  if (answer.status == 200) {
    nta_incoming_treply(irq, answer.status, answer.phrase,
                        SIPTAG_ALLOW_STR("INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE"),
                        SIPTAG_ACCEPT_STR("application/sdp"), TAG_END());
  } else {
    nta_incoming_treply(irq, answer.status, answer.phrase, TAG_END());
  }
  metrics_.response_sent(answer.status);
  log_->debug("{} {} -> {}", method, url_as_string(msg_home(msg), rq->rq_url), answer.status);
  nta_incoming_destroy(irq);
}

}  // namespace p2psip::sip
