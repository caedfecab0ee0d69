// `p2psip resolve [--dns-server ADDR:PORT]... URI`: RFC 3263 lookup of a SIP URI with the same
// dns/ resolver the gateway uses. Prints one `TRANSPORT IP PORT HOSTNAME` line per target, in the
// order to try them. Exit 0 with targets, 1 when nothing resolves, 2 on usage errors.
#include <CLI/CLI.hpp>
#include <uv.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "dns/resolver.h"
#include "dns/sip_uri.h"
#include "gateway/cli/command.h"

namespace p2psip::cli {
namespace {

struct ResolveOptions {
  std::string uri;
  std::vector<std::string> servers;
  int timeout_ms = 5000;
  std::string family = "ipv4-first";
  int repeat = 1;
  int interval_ms = 0;
  bool stats = false;
};

// "192.0.2.1:53" or "[2001:db8::1]:53".
bool valid_server(const std::string& s) {
  std::size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 == s.size()) return false;
  std::string host = s.substr(0, colon);
  std::string port = s.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  int p = std::stoi(port);
  if (p < 1 || p > 65535) return false;
  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  }
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

dns::AddressFamilies parse_family(const std::string& f) {
  if (f == "ipv6-first") return dns::AddressFamilies::ipv6_first;
  if (f == "ipv4") return dns::AddressFamilies::ipv4_only;
  if (f == "ipv6") return dns::AddressFamilies::ipv6_only;
  return dns::AddressFamilies::ipv4_first;
}

void print_targets(const std::vector<dns::Target>& targets) {
  for (const dns::Target& t : targets) {
    std::printf("%s %s %u %s\n", std::string(dns::to_string(t.transport)).c_str(), t.ip.c_str(),
                static_cast<unsigned>(t.port), t.hostname.c_str());
  }
  std::fflush(stdout);
}

// One resolution on the loop; returns 0 or 1.
int resolve_once(uv_loop_t* loop, dns::Resolver& resolver, const std::string& uri) {
  int rc = 1;
  bool done = false;
  resolver.resolve(uri, [&](dns::ResolveResult result) {
    done = true;
    if (result) {
      print_targets(*result);
      rc = 0;
    } else {
      std::fprintf(stderr, "p2psip resolve: %s\n", result.error().message().c_str());
    }
  });
  while (!done && uv_run(loop, UV_RUN_ONCE) != 0) {
  }
  return rc;
}

int run_resolve(const ResolveOptions& o) {
  auto target = dns::parse_sip_uri(o.uri);
  if (!target) {
    std::fprintf(stderr, "p2psip resolve: invalid URI '%s': %s\n", o.uri.c_str(),
                 target.error().c_str());
    return 2;
  }
  for (const std::string& s : o.servers) {
    if (!valid_server(s)) {
      std::fprintf(stderr, "p2psip resolve: bad --dns-server '%s' (want ADDR:PORT, [v6]:PORT)\n",
                   s.c_str());
      return 2;
    }
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  SystemClock clock;
  dns::ResolverConfig config;
  config.servers = o.servers;
  config.resolution_timeout = std::chrono::milliseconds(o.timeout_ms);
  config.query_timeout = std::chrono::milliseconds(std::max(100, o.timeout_ms / 4));
  config.plan.families = parse_family(o.family);
  int rc = 1;
  {
    auto resolver = dns::Resolver::create(&loop, config, clock);
    if (!resolver) {
      std::fprintf(stderr, "p2psip resolve: %s\n", resolver.error().c_str());
      rc = 2;
    } else {
      for (int i = 0; i < o.repeat; ++i) {
        if (i > 0 && o.interval_ms > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
        }
        rc = resolve_once(&loop, **resolver, o.uri);
        if (o.repeat > 1) {
          std::printf("--\n");
          std::fflush(stdout);
        }
      }
      if (o.stats) {
        const auto& s = (*resolver)->stats();
        std::fprintf(stderr, "stats: queries=%llu cache_hits=%llu\n",
                     static_cast<unsigned long long>(s.queries_sent),
                     static_cast<unsigned long long>(s.cache_hits));
      }
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // run the close callbacks of the resolver's handles
  uv_loop_close(&loop);
  return rc;
}

}  // namespace

void add_resolve_command(CLI::App& root, Action& selected) {
  auto opts = std::make_shared<ResolveOptions>();
  auto* cmd = root.add_subcommand(
      "resolve",
      "RFC 3263 lookup of a SIP URI: prints `TRANSPORT IP PORT HOSTNAME` per target, in the order "
      "to try them (exit 1 when nothing resolves)");
  cmd->add_option("uri", opts->uri, "sip: or sips: URI, e.g. sip:alice@example.com")->required();
  cmd->add_option("--dns-server", opts->servers,
                  "DNS server ADDR:PORT ([v6]:PORT); repeatable; overrides /etc/resolv.conf")
      ->allow_extra_args(false);
  cmd->add_option("--timeout-ms", opts->timeout_ms, "give up after this many milliseconds")
      ->check(CLI::Range(50, 600000))
      ->capture_default_str();
  cmd->add_option("--family", opts->family, "address order: ipv4-first, ipv6-first, ipv4, ipv6")
      ->check(CLI::IsMember({"ipv4-first", "ipv6-first", "ipv4", "ipv6"}))
      ->capture_default_str();
  // Diagnostics (hidden): repeat inside one process to watch the cache and SRV weights.
  cmd->add_option("--repeat", opts->repeat)->check(CLI::Range(1, 100000))->group("");
  cmd->add_option("--interval-ms", opts->interval_ms)->check(CLI::Range(0, 3600000))->group("");
  cmd->add_flag("--stats", opts->stats)->group("");
  cmd->callback([opts, &selected] { selected = [opts] { return run_resolve(*opts); }; });
}

}  // namespace p2psip::cli
