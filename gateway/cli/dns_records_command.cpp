// `p2psip dns-records`: prints the NAPTR, SRV and A/AAAA records to publish for the overlay
// domain so that conventional SIP servers reach the gateway(s) by RFC 3263. Without --domain or
// --gateway the values come from the gateway configuration (--config FILE, P2PSIP_* env): the
// domain key (or the overlay name) and sip_advertise (else sip_listen). Exit 0 with records, 2 on bad options.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/cli/command.h"
#include "gateway/config/advertise.h"
#include "gateway/config/dns_records.h"
#include "gateway/config/gateway_config.h"
#include "gateway/config/load.h"

extern char** environ;

namespace p2psip::cli {
namespace {

struct DnsRecordsOptions {
  std::optional<std::string> config_file;
  std::string domain;
  std::vector<std::string> gateways;
  std::string transports = "udp,tcp";
  std::uint32_t ttl = 3600;
  std::uint16_t tls_port = 5061;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "p2psip dns-records: %s\n", message.c_str());
  return 2;
}

int run_dns_records(const DnsRecordsOptions& o) {
  config::DnsRecordsRequest request;
  request.domain = o.domain;
  request.ttl = o.ttl;
  request.tls_port = o.tls_port;
  for (const std::string& g : o.gateways) {
    auto hp = config::parse_host_port(g, config::HostKind::kIpOrName);
    if (!hp) return fail("bad --gateway '" + g + "': " + hp.error());
    request.gateways.push_back(*hp);
  }
  if (request.domain.empty() || request.gateways.empty()) {
    auto settings = config::load_settings(config::gateway_schema(), o.config_file,
                                          config::read_environment(environ), {});
    if (!settings) {
      std::fprintf(stderr, "%s\n", settings.error().to_string().c_str());
      return 2;
    }
    config::GatewayConfig c = config::to_gateway_config(*settings);
    if (request.domain.empty()) request.domain = c.domain;
    if (request.gateways.empty()) {
      if (c.sip_advertise) {
        request.gateways.push_back(*c.sip_advertise);
      } else if (config::is_any_address(c.sip_listen.host)) {
        return fail("sip_listen " + c.sip_listen.to_string() +
                    " is a wildcard address; set sip_advertise or give --gateway HOST:PORT");
      } else {
        request.gateways.push_back(c.sip_listen);
      }
    }
  }
  auto transports = config::parse_transports(o.transports);
  if (!transports) return fail("bad --transport: " + transports.error());
  request.transports = *transports;
  auto text = config::render_dns_records(request);
  if (!text) return fail(text.error());
  std::fputs(text->c_str(), stdout);
  return 0;
}

}  // namespace

void add_dns_records_command(CLI::App& root, Action& selected) {
  auto o = std::make_shared<DnsRecordsOptions>();
  auto* cmd = root.add_subcommand(
      "dns-records",
      "Print the zone-file NAPTR, SRV and A/AAAA records that point the overlay's SIP domain at "
      "the gateway(s) (RFC 3263); defaults come from the gateway configuration");
  cmd->add_option("--config", o->config_file, "gateway YAML config (also P2PSIP_CONFIG)");
  cmd->add_option("--domain", o->domain, "the SIP domain [default: the config's domain]");
  cmd->add_option("--gateway", o->gateways,
                  "a gateway's SIP address HOST:PORT (repeatable; equal-priority SRV) "
                  "[default: the config's sip_advertise, else its sip_listen]")
      ->allow_extra_args(false);
  cmd->add_option("--transport", o->transports, "transports in order of preference: udp,tcp,tls")
      ->capture_default_str();
  cmd->add_option("--ttl", o->ttl, "TTL of every record, seconds")
      ->check(CLI::Range(0u, 2147483647u))
      ->capture_default_str();
  cmd->add_option("--tls-port", o->tls_port, "SRV port of the tls transport")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->callback([o, &selected] { selected = [o] { return run_dns_records(*o); }; });
}

}  // namespace p2psip::cli
