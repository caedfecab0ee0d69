#pragma once
// The public API of the RELOAD overlay library (RFC 6940 CHORD-RELOAD over TLS, with the SIP
// usage of RFC 7904). Everything a program needs is in the headers of this folder
// (#include "p2psip/overlay/overlay.h"); nothing else of overlay/ is reachable from them.
//
//   auto node = overlay::Node::create(loop, config, clock, log);  // credentials checked
//   node->start();                             // listen; join through config.bootstrap
//   node->keep(aor, Contact::make_uri(uri), 3600, node->registrant());
//   node->lookup(aor, [](auto result) { ... });
//   node->leave(Millis{3000}, [] { ... });     // removes kept registrations, then Leave
//
// Threading: a Node lives on the caller's libuv loop. Create it, call it and destroy it on
// the loop's thread only; no call blocks. Every callback runs on that thread. (Internally one
// worker thread verifies received messages' signatures; their results come back to the loop.)
//
// Completion rule: NEVER synchronous. A callback handed to any call here (done, on_change,
// on_stored) runs from a later loop callback, never before the call that took it returned,
// even when the answer is known at once (the node not started, a bad AoR). Only LogFn may
// run inside a call.
//
// Lifetime: the loop and the Clock must outlive the Node. Destroying the Node closes every
// link at once (call leave() first for a clean exit) and drops every pending callback: none
// runs after the destructor started. As with any libuv owner, run the loop a little after
// destruction (until uv_run(loop, UV_RUN_NOWAIT) returns 0) so that close callbacks free the
// memory. Registrant handles are independent values and may outlive the Node.
//
// Signals: the process must ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)). A peer that vanishes
// makes a write on its link fail with EPIPE, which the library handles; the library does not
// change the process's signal dispositions itself.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "p2psip/overlay/snapshot.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

class Node {
 public:
  // Checks the bootstrap entries, loads and checks the credentials (the certificate is of
  // `config.overlay`, holds a Node-ID, chains to the root; the key is its key) and builds the
  // node. Opens no socket yet. Looks no name up: a bootstrap entry that is not an IP literal
  // is a kConfig error, field "bootstrap", whose message names the entry ("bootstrap must be
  // an IP literal; resolve it first"). Resolve names before (uv_getaddrinfo on the loop, and
  // retry while the peer's name is not there yet), then create the node with the addresses.
  // `clock` must outlive the node and be safe to read from the node's verify thread as well
  // as the loop's (SystemClock is).
  static Expected<std::unique_ptr<Node>, Error> create(uv_loop_t* loop, NodeConfig config,
                                                       const Clock& clock, LogFn log = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Listens and joins the overlay through the bootstrap peers, or starts a new overlay
  // without any. The join goes on in the background (on_change, state()).
  Expected<void, Error> start();
  // A clean exit within `budget`: removes the kept registrations from the overlay (at most
  // half the budget), then a RELOAD Leave (§10.9). `done` runs once it is over, in any state.
  void leave(Millis budget, std::function<void()> done);

  // Switches the running node to a renewed certificate and key (e.g. after re-enrollment),
  // without a restart. RFC 6940 §11.3: the certificate binds the node's Node-IDs, so the new
  // one must hold exactly this node's Node-IDs and user name, be of this overlay, be signed
  // by the overlay root the node runs with and be valid now; `files.key` must be its key.
  // (`files.ca` is not read: the root cannot change while running. Node certificates are
  // issued by the root itself, so there is no chain file to give.) The error (kConfig, field
  // "cert" or "key") says why and leaves the node as it was.
  // On success, from this call on: TLS handshakes of links opened or accepted later present
  // the new certificate (the overlay uses TLS over TCP only, no DTLS); messages, and stored
  // values signed with registrant(), are signed with it; registrant() returns the renewed
  // registrant, and registrations kept with the old registrant() are stored again signed by
  // it; the node's certificate is stored again under the certificate kinds (RFC 6940 §8,
  // CERTIFICATE_BY_NODE and CERTIFICATE_BY_USER: appended beside the old one, which expires
  // with its lifetime). Links already up keep running on the TLS session they were set up
  // with (their peers verify the new signatures with the certificate each message carries).
  // Registrant handles obtained earlier stay usable (signed by the old certificate while it
  // is valid). Reads the two files (small local files) on the calling thread; takes no
  // callback, so the completion rule holds: stores it starts report only through on_stored.
  Expected<void, Error> renew_credentials(const CredentialFiles& files);

  // ---- identity and state ----
  const std::string& node_id() const;  // hex, the certificate's (first) Node-ID
  const std::string& user() const;     // the certificate's user name (rfc822Name)
  const std::string& overlay_name() const;
  // The node's own certificate as a registrant (for the AoR of its user name).
  const Registrant& registrant() const;
  State state() const;
  Snapshot snapshot() const;
  // Runs after the state or the neighbour set changed (coalesced; see the completion rule).
  void on_change(std::function<void()> cb);
  // Is a link of this node up (certificate verified) with a peer at this IP address (the
  // remote address of its TCP connection)? False for a text that is no IP address.
  bool linked_to(std::string_view ip) const;
  // The IP addresses linked_to() answers true for now, once each (a snapshot: a SIP worker
  // thread asks it of a copy the loop thread refreshes, gateway/runtime/overlay_bridge.h).
  std::vector<std::string> linked_ips() const;

  // ---- SIP usage, one operation each (RFC 7904) ----
  // Stores `value` for `aor` as the registrant's dictionary entry, lasting `lifetime_s`.
  void store(const Registrant& who, std::string_view aor, const Contact& value,
             std::uint32_t lifetime_s, StoreDone done);
  // Stores the registrant's entry for `aor` as removed.
  void remove(const Registrant& who, std::string_view aor, std::uint32_t lifetime_s,
              StoreDone done);
  // Fetches the AoR's registrations, following uri-form indirection inside the overlay.
  void lookup(std::string_view aor, LookupDone done);

  // ---- registrations kept alive ----
  // Keeps `value` registered at `aor`: stored once the node has joined, refreshed at 2/3 of
  // `lifetime_s`, stored again after ring changes, removed by leave(). False (at once) for an
  // unusable AoR or lifetime; replaces an earlier keep() of the same AoR.
  bool keep(std::string_view aor, Contact value, std::uint32_t lifetime_s, Registrant who);
  // Stops keeping `aor` and removes it from the overlay.
  void forget(std::string_view aor);
  // Runs with the normalised AoR after each successful store of a kept registration.
  void on_stored(std::function<void(const std::string& aor)> cb);

  struct Impl;  // the library's; never needed by a user

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace p2psip::overlay
