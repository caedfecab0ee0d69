#pragma once
// The checks a proxy makes on a request before routing it (RFC 3261 §16.3 steps 1, 2 and 5),
// as a pure function of what the Sofia adapter extracted: which fault gets which answer.
// Exercised end to end by RFC 4475's torture messages (tests/integration/gateway/
// test_torture.py).

#include <string>
#include <string_view>
#include <vector>

namespace p2psip::sip {

struct RequestShape {
  bool ack = false;               // an ACK is never answered (RFC 3261 §17.2.1)
  bool cancel = false;            // ACK and CANCEL are never refused for Proxy-Require
  // Step 1, reasonable syntax: Via, Call-ID, CSeq, From and To present and parsed.
  bool headers_complete = true;
  bool parse_error = false;       // the parser flagged a header as broken
  bool cseq_matches = true;       // CSeq method equals the request line's (RFC 4475 §3.1.2.17)
  bool body_short = false;        // Content-Length beyond the octets received (§18.3)
  // Step 2 and the Request-URI's own syntax.
  bool sip_scheme = true;         // sip: or sips: (the only URIs this proxy routes)
  bool has_host = true;
  bool uri_headers = false;       // "?header=..." in the Request-URI (RFC 4475 §3.1.2.11)
  bool uri_lws = false;           // SP or HTAB inside the Request-URI (RFC 4475 §3.1.2.8)
  // A path in a sip:/sips: URI ("sip:h:5060/x"): RFC 3261 §25.1's SIP-URI has none. Sofia
  // parses one and encodes it back without the "/" ("sip:h:5060x", "sip:hx": another host),
  // so forwarding it would change the Request-URI (found by tests/fuzz/sip/fuzz_sip_message).
  bool uri_path = false;
  // Step 5: the option-tags of Proxy-Require; this proxy supports none.
  std::vector<std::string> proxy_require;
};

struct RequestVerdict {
  int status = 0;  // 0: go on routing
  std::string phrase;
  std::string unsupported;  // 420: the Unsupported header's value
  bool answer = true;       // false: drop silently (ACK)
};

RequestVerdict check_request(const RequestShape& r);

}  // namespace p2psip::sip
