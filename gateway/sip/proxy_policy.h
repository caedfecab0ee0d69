#pragma once
// The stateful proxy's pure rules (RFC 3261 §16), kept apart from the Sofia adapter so that
// every one is unit-tested: best-response selection, failover, Max-Forwards, loop detection.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/types.h"

namespace p2psip::sip {

// RFC 3261 §16.7 step 6: a 6xx wins; otherwise the lowest class (2xx, then 3xx, 4xx, 5xx);
// within a class, the first one received. Returns the index into `finals`; nullopt if empty.
std::optional<std::size_t> best_response(std::span<const int> finals);

// The status the proxy relays upstream for a chosen downstream status: a 503 becomes 500
// (§16.7 step 6: the downstream server's unavailability is not ours).
int upstream_status(int status);

// RFC 3263 §4.3: try the next target of the same destination on 503, 408 (timeout) and
// transport errors (nta reports those as an internal 503). 401/407 and the rest are final.
bool fail_over_on(int status);

// Max-Forwards handling (§16.3 step 3): nullopt means "answer 483"; otherwise the value to
// send downstream. A missing header counts as 70.
std::optional<unsigned> next_max_forwards(std::optional<unsigned> received);

// One Via of a received request, as the loop check needs it.
struct ViaFacts {
  std::string host;
  unsigned port = 0;  // 0: not written (5060)
  std::string branch;
};

// A client transaction of ours still in progress: its branch and the Request-URI it went to.
struct ActiveBranch {
  std::string branch;
  std::string request_uri;
};

// §16.3 step 4 (loop detection): a request is looping when one of its Vias is ours (our host
// and port) and carries the branch of one of our transactions still pending for the same
// Request-URI. The same Via with another Request-URI is a spiral, which is fine.
bool is_loop(std::span<const ViaFacts> vias, std::string_view own_host, unsigned own_port,
             std::span<const ActiveBranch> active, std::string_view request_uri);

// nta's route URL for a resolved target: an IP literal with its transport
// ("sip:[2001:db8::1]:5070;transport=tcp"), so that Sofia never resolves (DESIGN.md §4).
// A TLS target with a host name keeps the name as the URL host and the address in maddr
// ("sip:sip.example.net:5061;transport=tls;maddr=192.0.2.1"): nta connects to maddr and the
// server certificate is checked against the name; one without a name gets "sip:*:PORT;...".
std::string nta_route_url(const dns::Target& target);

// RFC 3261 §16.1: "A proxy can operate in either a stateful or stateless mode for each new
// request." The gateway forwards an in-dialog BYE on a route set it has verified (its own
// Record-Route token, or a trusted sender's route set: router Route::dialog) without a
// transaction when the BYE arrived over UDP: there a transaction-stateful proxy keeps the BYE's
// server transaction 64*T1 = 32 s after its 200 (Timer J, §17.2.2) with the request and the
// response, to absorb retransmissions that the callee's own transaction answers just as well
// (stateless_forward.h). Over TCP/TLS Timer J is zero, so nothing is gained there. Every other
// request, INVITE first (forking, CANCEL, failover), is forwarded statefully.
bool forwards_statelessly(std::string_view method, bool in_dialog, bool dialog_route,
                          std::string_view via_protocol);

}  // namespace p2psip::sip
