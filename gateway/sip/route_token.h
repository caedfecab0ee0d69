#pragma once
// Our own Record-Route, recognised cryptographically (issue 13 finding 1; DESIGN.md §10).
//
// A Route naming the gateway proves nothing: anyone can write `Route: <sip:GATEWAY;lr>` and a
// To-tag. Only a route set the gateway itself record-routed may skip the outbound trust check,
// so the Record-Route URI it inserts carries `;rrtok=TOKEN`, with
//   TOKEN = hex(first 16 bytes of HMAC-SHA256(key, "p2psip-rr-v1" || len(Call-ID) || Call-ID ||
//                                              From-tag))
// of the dialog-creating request. The key never leaves the process, so an outsider cannot
// make a token; binding it to Call-ID and From-tag means a token seen in one dialog (any
// caller sees ours in the 18x/2xx) opens no other dialog. An in-dialog request carries the
// dialog's tags in either order (the callee's requests have From and To swapped), so
// verify() accepts the token for the request's From-tag or its To-tag.
//
// What it does not prevent: a party to a dialog the gateway record-routed may address
// in-dialog requests (with a To-tag) of that very dialog to any URI, as with any
// record-routing proxy (Kamailio's loose_route alike); such a request carries a To-tag, which
// a far end that does not know the dialog answers 481 (RFC 3261 §12.2.2). Requests without a
// To-tag never pass on a token.
//
// The key is random per process (random()): after a restart, in-dialog requests of older
// dialogs from untrusted senders are refused (README, known limitations). Pure apart from
// OpenSSL's HMAC and, in random(), its RNG.
//
// HMAC: keyed_mac.h (its cost note says why the key is taken in once).

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/sip/keyed_mac.h"

namespace p2psip::sip {

class RouteToken {
 public:
  static constexpr std::size_t kKeyBytes = KeyedMac::kKeyBytes;
  static constexpr std::string_view kParam = "rrtok";  // the Record-Route URI parameter
  using Key = KeyedMac::Key;

  explicit RouteToken(const Key& key);  // aborts if OpenSSL has no HMAC-SHA256
  // A key from OpenSSL's RNG (aborts the process if the RNG fails: no silent weak key).
  static RouteToken random();

  // The token for a dialog-creating request: 32 lowercase hex digits.
  std::string make(std::string_view call_id, std::string_view from_tag) const;
  // True when `token` was made by this key for `call_id` and one of the two tags (empty tags
  // never match). Constant-time comparison.
  bool verify(std::string_view token, std::string_view call_id, std::string_view from_tag,
              std::string_view to_tag) const;

 private:
  KeyedMac mac_;  // "p2psip-rr-v1" as its prefix
};

}  // namespace p2psip::sip
