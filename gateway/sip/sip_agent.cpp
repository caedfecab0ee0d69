#include "gateway/sip/sip_agent.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/tport_tag.h>


namespace p2psip::sip {

namespace {

// nta's URL for a listen address: "sip:127.0.0.1:5060" binds UDP and TCP on it;
// the any-address is "*" in Sofia's syntax.
std::string listen_url(const config::HostPort& hp, const char* scheme = "sip") {
  std::string host = hp.host;
  if (host == "0.0.0.0" || host == "::") host = "*";
  else if (hp.is_ipv6) host = "[" + host + "]";
  return std::string(scheme) + ":" + host + ":" + std::to_string(hp.port);
}

}  // namespace

Expected<std::unique_ptr<SipAgent>, std::string> SipAgent::start(
    su_root_s* root, const config::HostPort& listen, const std::optional<SipTlsOptions>& tls,
    ProxyDeps deps, std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<SipAgent> self(new SipAgent(std::move(log)));
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
  if (tls) {
    auto material = TlsMaterial::create(tls->files, tls->work_dir);
    if (!material) return unexpected(material.error());
    self->tls_ = std::move(material).value();
    std::string tls_url = listen_url(tls->listen, "sips");
    unsigned policy = tls->verify ? TPTLS_VERIFY_OUT : TPTLS_VERIFY_NONE;
    if (nta_agent_add_tport(self->agent_, URL_STRING_MAKE(tls_url.c_str()),
                            TPTAG_CERTIFICATE(self->tls_->dir().c_str()),
                            TPTAG_TLS_VERIFY_POLICY(policy), TAG_END()) < 0) {
      return unexpected("cannot listen for SIP over TLS on " + tls->listen.to_string() +
                        ": address in use or not available, or the certificate/key are unusable");
    }
    self->log_->info("SIP listening on {} (tls; outgoing TLS {})", tls->listen.to_string(),
                     tls->verify ? "verifies servers against " + tls->files.ca : "unverified");
    deps.tls = true;
    deps.tls_port = tls->listen.port;
  }
  self->proxy_ = std::make_unique<Proxy>(root, self->agent_, std::move(deps), self->log_);
  return self;
}

SipAgent::~SipAgent() {
  proxy_.reset();  // its transactions before the agent they belong to
  if (agent_) nta_agent_destroy(agent_);
}

int SipAgent::on_message(void* magic, nta_agent_s*, msg_s* msg, sip_s* sip) {
  auto* self = static_cast<SipAgent*>(magic);
  if (sip && sip->sip_request && self->proxy_) {
    self->proxy_->handle_request(msg, sip);
  } else {
    // A response matching no client transaction (e.g. a retransmitted 2xx after the
    // transaction ended), or an unparsable message: nothing to relay it to.
    self->log_->debug("dropping stray SIP message {}", sip && sip->sip_status ? sip->sip_status->st_status : 0);
    msg_destroy(msg);
  }
  return 0;
}

}  // namespace p2psip::sip
