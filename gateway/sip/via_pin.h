#pragma once
// Where a reply to a request goes, pinned to the address the request came from. Pure.
//
// RFC 3261 §18.2.2 sends a response to the top Via's maddr, else its received, else its
// sent-by host (resolved as a name if it is one), at the rport (RFC 3581) or the sent-by port.
// Sofia's nta follows that (nta.c nta_tpn_by_via) for every reply, including the stateless
// errors it sends before the application sees a request (400 with an unparsable CSeq, 505 for
// a SIP version other than 2.0: nta.c agent_recv_request), and it resolves a name there with
// a blocking getaddrinfo() on the event loop (tport.c tport_tsend -> tport_resolve ->
// su_getaddrinfo). One datagram with `Via: SIP/2.0/UDP slow.example` froze the loop for the
// system resolver's timeout; one with `maddr=VICTIM` or `received=VICTIM` sent the error to
// a third party. So the top Via of every request received is rewritten as soon as it is
// parsed, before nta looks at it: `received` always names the source address (the rule of
// §18.2.1, applied even when the sent-by already equals it, so that a received= the sender
// wrote itself never survives), `maddr` is removed (we do not answer multicast requests, and
// a unicast maddr is a reflection), and a present `rport` gets the source port (RFC 3581 §4;
// its value, if the sender gave one, is not trusted); a parameter given twice is edited in
// every occurrence (pinned_via_class.cpp: a copy of the Via takes the last one). Without
// rport (and in nta's stateless replies to a Via whose transport is not UDP, where nta
// ignores rport) a reply goes to the sent-by port of the source address (§18.2.2), never to
// another host.
// On Debian's Sofia 1.12.11 the 505 path (agent_recv_request answers before
// agent_check_request_via adds received=) and the 400 path with a Via transport other than
// the receiving one (agent_check_request_via fails before adding received=) resolved the Via
// host; a maddr sent any of them to the maddr host.

#include <optional>
#include <string>
#include <string_view>

namespace p2psip::sip {

struct ViaSource {
  std::string ip;  // numeric, IPv6 without brackets, IPv4-mapped IPv6 as IPv4
  unsigned port = 0;
};

struct ViaEdits {
  std::string received;         // "received=<ip>": always set
  bool remove_maddr = false;
  std::optional<std::string> rport;  // "rport=<port>" when the Via has an rport parameter
};

// `source` empty (address unknown when parsing, e.g. a pipelined TCP message): no edits.
std::optional<ViaEdits> via_edits(bool has_maddr, bool has_rport, const ViaSource& source);

// The numeric source of a socket address's text form ("::ffff:192.0.2.1" -> "192.0.2.1");
// nullopt for an unset address (port 0 or the any-address).
std::optional<ViaSource> via_source(std::string_view ip, unsigned port);

}  // namespace p2psip::sip
