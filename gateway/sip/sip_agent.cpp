#include "gateway/sip/sip_agent.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_tport.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/tport.h>
#include <sofia-sip/tport_tag.h>

#include "gateway/sip/pinned_via_class.h"
#include "gateway/sip/sip_timers.h"


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
    unsigned t1_ms, ProxyDeps deps, std::shared_ptr<spdlog::logger> log, const TcpLimits& tcp,
    unsigned t1x64) {
  std::unique_ptr<SipAgent> self(new SipAgent(std::move(log)));
  // Every reply nta sends goes to the request's source address, never to a name it would
  // resolve on the loop nor to a third party (via_pin.h).
  self->via_class_ = PinnedViaClass::create();
  if (!self->via_class_) {
    return unexpected(std::string("Sofia's SIP message class has an unexpected layout"));
  }
  std::string url = listen_url(listen);
  // nta keeps T1x64 (timers B, F, H, J) apart from T1 (nta.c agent_set_params): set both.
  self->agent_.reset(nta_agent_create(
      root, URL_STRING_MAKE(url.c_str()),
      reinterpret_cast<nta_message_f*>(&SipAgent::on_message),
      reinterpret_cast<nta_agent_magic_t*>(self.get()), NTATAG_UA(0), NTATAG_CANCEL_487(0),
      NTATAG_SERVER_RPORT(1), NTATAG_CLIENT_RPORT(1), NTATAG_SIP_T1(t1_ms),
      NTATAG_SIP_T1X64(t1x64_ms(t1_ms, t1x64)), NTATAG_MCLASS(self->via_class_->mclass()),
      NTATAG_MAXSIZE(kMaxMessageBytes), TPTAG_TIMEOUT(kStallMs), TPTAG_IDLE(kIdleMs), TAG_END()));
  if (!self->agent_) {
    return unexpected("cannot listen for SIP on " + listen.to_string() +
                      " (udp+tcp): address in use or not available");
  }
  unsigned nta_t1x64 = 0;  // as nta took it (sip_timers.h)
  nta_agent_get_params(self->agent_.get(), NTATAG_SIP_T1X64_REF(nta_t1x64), TAG_END());
  self->log_->info("SIP listening on {} (udp, tcp), T1 {} ms, 64*T1 {} ms", listen.to_string(),
                   t1_ms, nta_t1x64);
  if (tls) {
    auto material = TlsMaterial::create(tls->files, tls->work_dir);
    if (!material) return unexpected(material.error());
    self->tls_ = std::move(material).value();
    std::string tls_url = listen_url(tls->listen, "sips");
    // Verified: the chain against the CA bundle and the server's name (tport_tls.c
    // tls_post_connection_check: the connection's canonical name, the route URL's host, must
    // be a subjectAltName DNS/URI or the CN; nta_route_url puts the target's host name there,
    // or "*" for an address-only target, and the address in maddr). tport.c tport_by_name
    // reuses an open connection to the same address for another name without a new check.
    // A failed handshake or check makes tport_tls.c's tls_connect() call tport_close(), which
    // reports an error to the pending requests only with TPTAG_SDWN_ERROR(1) (nta's master
    // transport sets 0); nta then answers the branch 503 at once instead of waiting for
    // timer B, and the proxy fails over.
    unsigned policy = tls->verify ? TPTLS_VERIFY_SUBJECTS_OUT : TPTLS_VERIFY_NONE;
    TlsContexts::Capture capture(self->tls_contexts_);  // the transport's SSL_CTX (tls_reload.h)
    self->tls_files_ = tls->files;
    if (nta_agent_add_tport(self->agent_.get(), URL_STRING_MAKE(tls_url.c_str()),
                            TPTAG_CERTIFICATE(self->tls_->dir().c_str()),
                            TPTAG_TLS_VERIFY_POLICY(policy), TPTAG_SDWN_ERROR(1),
                            TAG_END()) < 0) {
      return unexpected("cannot listen for SIP over TLS on " + tls->listen.to_string() +
                        ": address in use or not available, or the certificate/key are unusable");
    }
    self->log_->info("SIP listening on {} (tls; outgoing TLS {})", tls->listen.to_string(),
                     tls->verify ? "verifies server names and chains against " + tls->files.ca
                                 : "unverified");
    deps.tls = true;
    deps.tls_port = tls->listen.port;
  }
  std::vector<unsigned> ports{listen.port};
  if (tls) ports.push_back(tls->listen.port);
  self->tcp_guard_ = std::make_unique<TcpGuard>(root, std::move(ports), tcp, deps.sip_metrics,
                                                self->log_);
  self->proxy_ = std::make_unique<Proxy>(root, self->agent_.get(), std::move(deps), self->log_);
  return self;
}

Expected<bool, std::string> SipAgent::replace_tls(const TlsCredentials& creds) {
  bool changed = false;
  if (auto r = tls_contexts_.replace(creds, changed); !r) return unexpected(r.error());
  return changed;
}

SipAgent::~SipAgent() {
  tcp_guard_.reset();
  proxy_.reset();  // its transactions before the agent they belong to
  agent_.reset();
}

int SipAgent::on_message(void* magic, nta_agent_s*, msg_s* raw, sip_s* sip) {
  auto* self = static_cast<SipAgent*>(magic);
  sofia::Message msg(raw);  // ours from here on
  ++self->messages_received_;
  if (sip && sip->sip_request && self->proxy_) {
    tport_t* tp = tport_delivered_by(nta_agent_tports(self->agent_.get()), raw);
    if (tp && tport_is_stream(tp)) self->tcp_guard_->request_completed(raw);
    self->proxy_->handle_request(std::move(msg), sip);
  } else if (sip && sip->sip_status && self->proxy_) {
    // A response matching no client transaction (e.g. a retransmitted 2xx after the
    // transaction ended): nta.c agent_recv_response hands it here.
    self->proxy_->handle_stray_response(std::move(msg), sip);
  } else {
    self->log_->debug("dropping stray SIP message {}", sip && sip->sip_status ? sip->sip_status->st_status : 0);
  }
  return 0;
}

std::size_t SipAgent::in_flight() const { return proxy_ ? proxy_->in_flight() : 0; }

}  // namespace p2psip::sip
