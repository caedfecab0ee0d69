#include "gateway/sip/request_check.h"

namespace p2psip::sip {

namespace {

RequestVerdict verdict(const RequestShape& r, int status, const char* phrase) {
  RequestVerdict v;
  v.status = status;
  v.phrase = phrase;
  v.answer = !r.ack;
  return v;
}

}  // namespace

RequestVerdict check_request(const RequestShape& r) {
  // §16.3 step 1: a request the proxy cannot make sense of is answered 400.
  if (!r.headers_complete || r.parse_error || !r.cseq_matches || r.body_short) {
    return verdict(r, 400, "Bad Request");
  }
  // §16.3 step 2: a Request-URI scheme the proxy does not understand (RFC 4475 §3.3.2 and
  // §3.3.3, unknown and atypical schemes): 416.
  if (!r.sip_scheme) return verdict(r, 416, "Unsupported URI Scheme");
  if (!r.has_host || r.uri_lws || r.uri_path) return verdict(r, 400, "Bad Request");
  // RFC 4475 §3.1.2.11: escaped headers in a Request-URI are malformed; a proxy may answer 400
  // or forward without them, never with them. 400: nothing legitimate sends them.
  if (r.uri_headers) return verdict(r, 400, "Bad Request");
  // §16.3 step 5: Proxy-Require options this proxy does not support (all of them) give 420
  // listing them in Unsupported. Not for ACK (it cannot be answered; dropping a 2xx's ACK
  // would break the call) or CANCEL (§16.10: it follows its INVITE).
  if (!r.proxy_require.empty() && !r.cancel && !r.ack) {
    RequestVerdict v = verdict(r, 420, "Bad Extension");
    for (const auto& option : r.proxy_require) {
      if (!v.unsupported.empty()) v.unsupported += ", ";
      v.unsupported += option;
    }
    return v;
  }
  return {};
}

}  // namespace p2psip::sip
