#include "gateway/runtime/interface_addresses.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>

#include <string>

namespace p2psip::runtime {

std::vector<config::InterfaceAddress> interface_addresses() {
  std::vector<config::InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    int family = i->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    char host[NI_MAXHOST];
    socklen_t len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if (getnameinfo(i->ifa_addr, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) continue;
    std::string ip = host;
    out.push_back({ip.substr(0, ip.find('%')), family == AF_INET6,
                   (i->ifa_flags & IFF_LOOPBACK) != 0});
  }
  freeifaddrs(list);
  return out;
}

}  // namespace p2psip::runtime
