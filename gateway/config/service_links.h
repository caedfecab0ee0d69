#pragma once
// Kubernetes service links: for every Service in its namespace, the kubelet gives a container
// variables named after the Service (docker-links style; "Discovering services", environment
// variables, in the Kubernetes documentation). For a Service named `p2psip` (or `p2psip-gw1`:
// prefix P2PSIP_GW1) they start with P2PSIP_, like our keys' environment twins:
//   P2PSIP_SERVICE_HOST=10.0.0.11           P2PSIP_SERVICE_PORT[_<PORT NAME>]=5060
//   P2PSIP_PORT=udp://10.0.0.11:5060        P2PSIP_PORT_5060_UDP=udp://10.0.0.11:5060
//   P2PSIP_PORT_5060_UDP_PROTO=udp          P2PSIP_PORT_5060_UDP_PORT=5060
//   P2PSIP_PORT_5060_UDP_ADDR=10.0.0.11
// They are not configuration: a variable is taken for one only when its name AND its value
// have that shape, so that a mistyped key (P2PSIP_SIP_PORT=5060) is still refused. Pure.

#include <string>

namespace p2psip::config {

bool is_kubernetes_service_link(const std::string& name, const std::string& value);

}  // namespace p2psip::config
