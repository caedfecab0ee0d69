#pragma once
// The zone-file records an operator publishes so that conventional SIP servers reach the
// gateway(s) by RFC 3263 (behind `p2psip dns-records`): one NAPTR per transport at the domain,
// SRV records per transport (several gateways: equal priority and weight), A/AAAA records for
// gateways given as IP literals (named gw1.<domain>, gw2.<domain>, ... in order of first
// appearance). A gateway given by name becomes the SRV target as it is; its A/AAAA records are
// the operator's (a comment says so). Pure: values in, text out.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "gateway/config/host_port.h"

namespace p2psip::config {

enum class SipTransport { kUdp, kTcp, kTls };

struct DnsRecordsRequest {
  std::string domain;              // "p2p.example.com" (a trailing dot is fine)
  std::vector<HostPort> gateways;  // SIP address of each gateway (UDP and TCP)
  std::vector<SipTransport> transports = {SipTransport::kUdp, SipTransport::kTcp};
  std::uint32_t ttl = 3600;
  std::uint16_t tls_port = 5061;  // SRV port for tls (the gateways' TLS listener)
};

// "udp,tcp,tls" in order of preference (the NAPTR order); duplicates and unknown names: error.
Expected<std::vector<SipTransport>, std::string> parse_transports(std::string_view csv);

// Zone-file lines with absolute names (trailing dots), each with its TTL, and ';' comments.
Expected<std::string, std::string> render_dns_records(const DnsRecordsRequest& request);

}  // namespace p2psip::config
