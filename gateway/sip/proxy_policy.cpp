#include "gateway/sip/proxy_policy.h"

#include <algorithm>
#include <cctype>

namespace p2psip::sip {

namespace {

// Smaller is better: 6xx first, then 2xx, 3xx, 4xx, 5xx; anything else last.
int rank(int status) {
  int cls = status / 100;
  if (cls == 6) return 0;
  if (cls >= 2 && cls <= 5) return cls - 1;
  return 9;
}

}  // namespace

std::optional<std::size_t> best_response(std::span<const int> finals) {
  if (finals.empty()) return std::nullopt;
  std::size_t best = 0;
  for (std::size_t i = 1; i < finals.size(); ++i) {
    if (rank(finals[i]) < rank(finals[best])) best = i;
  }
  return best;
}

int upstream_status(int status) { return status == 503 ? 500 : status; }

bool fail_over_on(int status) { return status == 503 || status == 408; }

std::optional<unsigned> next_max_forwards(std::optional<unsigned> received) {
  unsigned mf = received.value_or(70);
  if (mf == 0) return std::nullopt;
  return mf - 1;
}

bool is_loop(std::span<const ViaFacts> vias, std::string_view own_host, unsigned own_port,
             std::span<const ActiveBranch> active, std::string_view request_uri) {
  for (const auto& v : vias) {
    unsigned port = v.port ? v.port : 5060;
    if (v.host != own_host || port != own_port) continue;
    bool pending = std::any_of(active.begin(), active.end(), [&](const ActiveBranch& a) {
      return a.branch == v.branch && a.request_uri == request_uri;
    });
    if (pending) return true;
  }
  return false;
}

std::string nta_route_url(const dns::Target& t) {
  bool v6 = t.ip.find(':') != std::string::npos;
  std::string ip = v6 ? "[" + t.ip + "]" : t.ip;
  std::string transport = ";transport=" + std::string(dns::to_string(t.transport));
  if (t.transport == dns::Transport::tls) {
    // The URL host is the TLS connection's name that the server certificate must carry
    // (tport_tls.c tls_post_connection_check); maddr is where nta connects, an IP literal,
    // so nta still resolves nothing. A target known only by its address gets "*", which
    // tport_subject_search() accepts: Sofia cannot check an IP name, as it looks for a
    // subjectAltName labelled "IP" where OpenSSL (since 1.0) prints "IP Address"; the chain
    // is still checked.
    bool named = !t.hostname.empty() && t.hostname != t.ip &&
                 t.hostname.find_first_of(":[]") == std::string::npos;
    return "sip:" + (named ? t.hostname : std::string("*")) + ":" + std::to_string(t.port) +
           transport + ";maddr=" + ip;
  }
  return "sip:" + ip + ":" + std::to_string(t.port) + transport;
}

}  // namespace p2psip::sip

namespace p2psip::sip {

bool forwards_statelessly(std::string_view method, bool in_dialog, bool dialog_route,
                          std::string_view via_protocol) {
  auto udp = [](std::string_view p) {
    constexpr std::string_view kUdp = "SIP/2.0/UDP";
    return p.size() == kUdp.size() &&
           std::equal(p.begin(), p.end(), kUdp.begin(), [](char a, char b) {
             return std::toupper(static_cast<unsigned char>(a)) == b;
           });
  };
  return method == "BYE" && in_dialog && dialog_route && udp(via_protocol);
}

}  // namespace p2psip::sip
