#pragma once
// The SIP TLS part of a reload (reload.h): the certificate and key SIP TLS runs with are read
// again (off the loop, sip::TlsCredentials::load) and served to every TLS connection made
// from then on (gateway/sip/tls_reload.h); connections already open keep theirs.

#include <spdlog/logger.h>

#include <string>

#include "gateway/config/gateway_config.h"
#include "gateway/sip/tls_reload.h"

namespace p2psip::runtime {

class SipSide;

// On the loop: applies `creds`, logging what SIP TLS serves now (or why it kept the old one).
void apply_sip_tls(SipSide& sip, const sip::TlsCredentials& creds, spdlog::logger& log);

// A file only SIP TLS uses (sip_tls_cert or sip_tls_key, not also the node's): its change
// is applied by the reload, not a restart.
bool sip_tls_only(const config::GatewayConfig& c, const std::string& path);

}  // namespace p2psip::runtime
