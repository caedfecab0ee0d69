#pragma once
// Sofia-SIP's SIP message class with three decoders made as liberal as RFC 3261's grammar
// (RFC 4475 §3.1.1.2 and §3.1.2.8). Sofia 1.12's sip_method_d() accepts only "unreserved"
// characters and escapes in an extension method, while RFC 3261 §25.1 allows any token
// (`+`, `` ` ``, `'`...), so the valid `intmeth` message had no request line and nta dropped
// it as garbage; a request line with LWS inside its Request-URI (`lwsruri`) was dropped the
// same way, with no 400. The request-line and CSeq replacements run Sofia's own decoder first
// and only when that fails parse the line themselves: a token method (and CSeq method) is
// accepted as an extension method; a Request-URI with LWS becomes a host-less sip: URI that
// the proxy answers 400 (request_check.h). Anything else still fails as before. The
// request-line and status-line decoders also scrub NUL octets from the header section
// (scrub_header_nuls below).
//
// The gateway's nta uses one message class: PinnedViaClass (pinned_via_class.h) calls
// make_liberal() on its clone, so all edits hold at once.

#include <sofia-sip/msg_types.h>

#include <cstddef>

namespace p2psip::sip {

// RFC 3261 §25.1 allows a NUL octet in a header field in one place only: as the second octet
// of a quoted-pair (`\` %x00) inside a quoted-string or a comment; RFC 4475 §3.1.1.2's valid
// `intmeth` has one in its To display name. Sofia-SIP 1.12 parses NUL-terminated strings:
// extract_header() (msg/msg_parser.c) ends a header at span_non_crlf() = strcspn(s, "\r\n"),
// which stops at the NUL, and the extraction after it never moves on, so CSeq and every later
// header are lost and nta drops the request (TCP: the connection stalls). Sofia has no hook
// before that. Its request-line and status-line decoders, though, run once the start line is
// in and see the whole buffer received so far (a UDP datagram; on TCP what the first read got),
// so the liberal start-line decoders below scrub the header section in place, once, before
// any header of it is extracted:
// - a NUL that is the octet of a quoted-pair becomes kNulStandIn: the quoted-pair stays a
//   quoted-pair, of a character Sofia can hold. A display name is not compared (RFC 3261
//   §20.20, §20.39: From/To compare URIs and parameters) and a comment only informs (§20.35,
//   §20.41), so there the message keeps its meaning; in a quoted parameter value the value
//   changes (no parameter this gateway looks at can hold a NUL). A forwarded request carries
//   the stand-in: Sofia could not encode the NUL either.
// - any other NUL (never legal there) becomes kNulStandIn too, so that every header is
//   still parsed, and the message is flagged as erroneous: nta answers 400.
// Only the header section is touched (up to its empty line): a body may hold any octet.
// What this cannot reach (README, known limitations): a NUL inside the start line itself
// (Sofia ends the line there and gets no further), and on a stream a NUL right after the start
// line (extract_first() waits for a non-blank octet before calling the decoder) or one that
// arrives in a later read than the start line. Those messages are dropped as before; a
// stream's stall timer (TPTAG_TIMEOUT) then closes the connection.
inline constexpr char kNulStandIn = '?';

struct NulScrub {
  std::size_t quoted = 0;  // NULs that were the octet of a quoted-pair (legal)
  std::size_t stray = 0;   // NULs anywhere else in the header section (malformed)
};

// Replaces every NUL octet of the header section in [headers, end) with kNulStandIn and says
// which kind each was. `headers` is just after the start line's first line-end octet; blank
// space and blank lines there are skipped as Sofia's extract_first() does. Stops at the empty
// line that ends the header section or at `end`. Without a NUL in [headers, end) it costs
// one memchr(); otherwise one pass over the header section. Writes only the NULs it replaces.
NulScrub scrub_header_nuls(char* headers, char* end);

// Installs the liberal decoders in `mc`, a clone of Sofia's default class
// (msg_mclass_clone); the decoders' classes live as long as the process.
void make_liberal(msg_mclass_t* mc);

// A process-lifetime clone of Sofia's default class with only these decoders (unit tests).
msg_mclass_t const* liberal_sip_mclass();

}  // namespace p2psip::sip
