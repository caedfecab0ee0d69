#include "gateway/runtime/reload_sip_tls.h"

#include "gateway/runtime/sip_side.h"

namespace p2psip::runtime {

void apply_sip_tls(SipSide& sip, const sip::TlsCredentials& creds, spdlog::logger& log) {
  auto r = sip.replace_tls(creds);
  if (!r) {
    log.warn("reload: SIP TLS keeps its running certificate: {}", r.error());
  } else if (*r) {
    log.info("reload: SIP TLS serves a new certificate to new connections ({}); open "
             "connections keep theirs", creds.describe());
  }
}

bool sip_tls_only(const config::GatewayConfig& c, const std::string& path) {
  bool sip_tls = (!c.sip_tls_cert.empty() && path == c.sip_tls_cert) ||
                 (!c.sip_tls_key.empty() && path == c.sip_tls_key);
  return sip_tls && path != c.cert && path != c.key;
}

}  // namespace p2psip::runtime
