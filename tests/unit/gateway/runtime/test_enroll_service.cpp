// The in-process enrollment server's options (enroll_service.h gateway_enroll_options): where
// the configuration document sends the nodes when the gateway listens on the any-address.
#include <doctest/doctest.h>

#include "gateway/runtime/enroll_service.h"

using namespace p2psip;
using runtime::AnnouncedHosts;
using runtime::gateway_enroll_options;

namespace {

config::GatewayConfig enrolling(const std::string& enroll_host, const std::string& overlay_host) {
  config::GatewayConfig c;
  c.overlay = "p2p.example.com";
  c.data_dir = "/var/lib/p2psip";
  c.enroll_server.listen = config::HostPort{enroll_host, 8443, false};
  c.overlay_listen = config::HostPort{overlay_host, 6084, false};
  return c;
}

}  // namespace

TEST_CASE("enroll_listen on the any-address: the document names the gateway's announced hosts") {
  auto o = gateway_enroll_options(enrolling("0.0.0.0", "0.0.0.0"), AnnouncedHosts{"192.0.2.10", "192.0.2.11"});
  CHECK(o.listen.host == "0.0.0.0");
  CHECK(o.advertise.host == "192.0.2.10");  // never https://0.0.0.0:8443/ in the document
  CHECK(o.advertise.port == 8443);
  REQUIRE(o.bootstrap.size() == 1);
  CHECK(o.bootstrap[0].host == "192.0.2.11");  // the overlay's announced IP, not 0.0.0.0
  CHECK(o.bootstrap[0].port == 6084);
  CHECK(o.ca_dir == "/var/lib/p2psip/ca");
}

TEST_CASE("enroll_listen on a concrete address: the document names it, as before") {
  auto o = gateway_enroll_options(enrolling("198.51.100.7", "198.51.100.7"), AnnouncedHosts{"192.0.2.10", "192.0.2.11"});
  CHECK(o.advertise.host.empty());  // the server builds its URL from listen
  REQUIRE(o.bootstrap.size() == 1);
  CHECK(o.bootstrap[0].host == "198.51.100.7");
}

TEST_CASE("enroll_bootstrap given: used as is") {
  auto c = enrolling("0.0.0.0", "0.0.0.0");
  c.enroll_server.bootstrap = {config::HostPort{"203.0.113.5", 6084, false}};
  auto o = gateway_enroll_options(c, AnnouncedHosts{"192.0.2.10", ""});
  REQUIRE(o.bootstrap.size() == 1);
  CHECK(o.bootstrap[0].host == "203.0.113.5");
}
