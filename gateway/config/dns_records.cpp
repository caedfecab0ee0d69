#include "gateway/config/dns_records.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "gateway/config/gateway_config.h"

namespace p2psip::config {

namespace {

struct TransportInfo {
  const char* name;
  const char* service;  // NAPTR service field
  const char* srv;      // SRV owner prefix
};

TransportInfo info(SipTransport t) {
  switch (t) {
    case SipTransport::kUdp: return {"udp", "SIP+D2U", "_sip._udp"};
    case SipTransport::kTcp: return {"tcp", "SIP+D2T", "_sip._tcp"};
    case SipTransport::kTls: return {"tls", "SIPS+D2T", "_sips._tcp"};
  }
  return {"?", "?", "?"};
}

// SRV target name of each gateway: gwN.<domain>. for IP literals, the name itself otherwise.
std::vector<std::string> target_names(const std::vector<HostPort>& gateways,
                                      const std::string& domain) {
  std::map<std::string, std::string> by_ip;
  std::vector<std::string> names;
  for (const HostPort& g : gateways) {
    if (!is_ip_literal(g.host)) {
      names.push_back(g.host + ".");
      continue;
    }
    auto [it, fresh] = by_ip.emplace(g.host, "");
    if (fresh) it->second = "gw" + std::to_string(by_ip.size()) + "." + domain + ".";
    names.push_back(it->second);
  }
  return names;
}

}  // namespace

Expected<std::vector<SipTransport>, std::string> parse_transports(std::string_view csv) {
  std::vector<SipTransport> out;
  std::stringstream in{std::string(csv)};
  std::string item;
  while (std::getline(in, item, ',')) {
    SipTransport t;
    if (item == "udp") t = SipTransport::kUdp;
    else if (item == "tcp") t = SipTransport::kTcp;
    else if (item == "tls") t = SipTransport::kTls;
    else return unexpected("transport '" + item + "' is not udp, tcp or tls");
    if (std::find(out.begin(), out.end(), t) != out.end()) {
      return unexpected("transport '" + item + "' given twice");
    }
    out.push_back(t);
  }
  if (out.empty()) return unexpected(std::string("no transport given"));
  return out;
}

Expected<std::string, std::string> render_dns_records(const DnsRecordsRequest& r) {
  std::string domain = r.domain;
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (check_overlay_name(domain)) return unexpected("'" + r.domain + "' is not a domain name");
  if (r.gateways.empty()) return unexpected(std::string("no gateway given"));
  if (r.transports.empty()) return unexpected(std::string("no transport given"));
  std::string ttl = " " + std::to_string(r.ttl) + " IN ";
  std::vector<std::string> names = target_names(r.gateways, domain);
  auto weight = std::to_string(std::max<std::size_t>(1, 100 / r.gateways.size()));
  std::ostringstream out;
  out << "; RFC 3263 records for " << domain << " (NAPTR -> SRV -> A/AAAA), from p2psip dns-records\n";
  int order = 10;
  for (SipTransport t : r.transports) {
    out << domain << "." << ttl << "NAPTR " << order << " 0 \"s\" \"" << info(t).service
        << "\" \"\" " << info(t).srv << "." << domain << ".\n";
    order += 10;
  }
  for (SipTransport t : r.transports) {
    for (std::size_t i = 0; i < r.gateways.size(); ++i) {
      std::uint16_t port = t == SipTransport::kTls ? r.tls_port : r.gateways[i].port;
      out << info(t).srv << "." << domain << "." << ttl << "SRV 10 " << weight << " " << port
          << " " << names[i] << "\n";
    }
  }
  std::vector<std::string> done;
  for (std::size_t i = 0; i < r.gateways.size(); ++i) {
    if (std::find(done.begin(), done.end(), names[i]) != done.end()) continue;
    done.push_back(names[i]);
    const HostPort& g = r.gateways[i];
    if (!is_ip_literal(g.host)) {
      out << "; " << names[i] << " needs its own A/AAAA records\n";
    } else {
      out << names[i] << ttl << (g.is_ipv6 ? "AAAA " : "A ") << g.host << "\n";
    }
  }
  return out.str();
}

}  // namespace p2psip::config
