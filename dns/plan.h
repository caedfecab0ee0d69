#pragma once
// The RFC 3263 resolution of one URI as a pure state machine: DNS answers in, the next queries
// and finally the ordered target list out. No sockets, no clock; randomness injected.
//
//   numeric host ............................................. done, no DNS
//   explicit port ............................................ A/AAAA(host) at that port
//   explicit transport ....................................... SRV(_sip(s)._proto.host)
//   otherwise NAPTR(host) -> SRV of each usable replacement, or, with no usable NAPTR,
//             SRV _sip._udp, _sip._tcp, _sips._tcp (sips: only _sips._tcp)
//   SRV: every target in RFC 2782 order -> A/AAAA(target) at the SRV port
//   no SRV at all -> A/AAAA(host) at the default port (UDP for sip:, TLS for sips:)
// Queries of one stage go out together (the SRV queries in parallel, all A/AAAA in parallel).

#include <optional>
#include <utility>
#include <vector>

#include "common/expected.h"
#include "dns/sip_uri.h"
#include "dns/types.h"

namespace p2psip::dns {

enum class AddressFamilies { ipv4_first, ipv6_first, ipv4_only, ipv6_only };

struct PlanOptions {
  AddressFamilies families = AddressFamilies::ipv4_first;
};

using ResolveResult = Expected<std::vector<Target>, ResolveError>;

class ResolutionPlan {
 public:
  ResolutionPlan(SipTarget target, PlanOptions options, Rng rng);

  // Queries to send now; each is returned once. Empty while waiting or when done.
  std::vector<Query> take_queries();
  // Feeds the answer (or failure) of a query returned by take_queries(); others are ignored.
  void on_answer(const Query& query, const DnsAnswer& answer);

  bool done() const { return stage_ == Stage::done; }
  // Valid once done(): the ordered targets, or why there are none.
  const ResolveResult& result() const { return result_; }

 private:
  enum class Stage { naptr, srv, address, done };
  struct Branch {
    Transport transport;
    std::string srv_name;
  };
  struct HostPort {
    Transport transport;
    std::string host;
    std::uint16_t port;
  };

  void start_stage(Stage stage, std::vector<Query> queries);
  const DnsAnswer& answer_for(const Query& q) const;
  void naptr_done();
  void srv_done();
  void address_done();
  void start_address(std::vector<HostPort> hosts);
  void finish(std::vector<Target> targets);
  void note_failure(const DnsAnswer& a);

  SipTarget target_;
  PlanOptions options_;
  Rng rng_;
  Stage stage_ = Stage::naptr;
  std::vector<Query> outgoing_;
  std::vector<std::pair<Query, std::optional<DnsAnswer>>> waiting_;
  std::vector<Branch> branches_;
  std::optional<Transport> naptr_first_;
  std::vector<HostPort> hosts_;
  bool saw_timeout_ = false;
  bool saw_servfail_ = false;
  bool saw_error_ = false;
  bool unavailable_ = false;
  ResolveResult result_{std::vector<Target>{}};
};

// "_sips._tcp.host" for TLS, "_sip._tcp.host", "_sip._udp.host".
std::string srv_name(Transport t, const std::string& host);

}  // namespace p2psip::dns
