#include <doctest/doctest.h>

#include "gateway/sip/request_check.h"

using p2psip::sip::check_request;
using p2psip::sip::RequestShape;

TEST_CASE("a well-formed request goes on to routing") {
  CHECK(check_request({}).status == 0);
}

TEST_CASE("syntax faults are 400 (RFC 3261 §16.3 step 1; RFC 4475 §3.1.2.17, §3.3.1, §3.1.2.2)") {
  RequestShape missing;
  missing.headers_complete = false;
  CHECK(check_request(missing).status == 400);
  RequestShape mismatch;
  mismatch.cseq_matches = false;
  CHECK(check_request(mismatch).status == 400);
  RequestShape broken;
  broken.parse_error = true;
  CHECK(check_request(broken).status == 400);
  RequestShape short_body;
  short_body.body_short = true;
  CHECK(check_request(short_body).status == 400);
}

TEST_CASE("a Request-URI scheme other than sip/sips is 416 (§16.3 step 2; RFC 4475 §3.3.2, §3.3.3)") {
  RequestShape r;
  r.sip_scheme = false;
  r.has_host = false;  // nobodyKnowsThisScheme:totallyopaquecontent
  auto v = check_request(r);
  CHECK(v.status == 416);
  CHECK(v.phrase == "Unsupported URI Scheme");
  // Broken syntax still comes first: 400.
  r.headers_complete = false;
  CHECK(check_request(r).status == 400);
}

TEST_CASE("escaped headers or LWS in the Request-URI are 400 (RFC 4475 §3.1.2.11, §3.1.2.8)") {
  RequestShape headers;
  headers.uri_headers = true;
  CHECK(check_request(headers).status == 400);
  RequestShape lws;
  lws.uri_lws = true;
  CHECK(check_request(lws).status == 400);
  RequestShape no_host;
  no_host.has_host = false;
  CHECK(check_request(no_host).status == 400);
}

TEST_CASE("a path in a sip: Request-URI is 400 (RFC 3261 §25.1: a SIP-URI has none)") {
  RequestShape path;
  path.uri_path = true;
  auto v = check_request(path);
  CHECK(v.status == 400);
  CHECK(v.answer);
  path.sip_scheme = false;  // another scheme may have a path: 416 as for any other scheme
  CHECK(check_request(path).status == 416);
}

TEST_CASE("Proxy-Require options are unsupported: 420 listing them (§16.3 step 5; RFC 4475 §3.3.5)") {
  RequestShape r;
  r.proxy_require = {"noProxiesSupportThis", "nor-this"};
  auto v = check_request(r);
  CHECK(v.status == 420);
  CHECK(v.phrase == "Bad Extension");
  CHECK(v.unsupported == "noProxiesSupportThis, nor-this");
  CHECK(v.answer);
  r.cancel = true;  // a CANCEL is not refused for it
  CHECK(check_request(r).status == 0);
}

TEST_CASE("an ACK is never answered, whatever its fault") {
  RequestShape r;
  r.ack = true;
  r.uri_headers = true;
  auto v = check_request(r);
  CHECK(v.status == 400);
  CHECK_FALSE(v.answer);
  r.uri_headers = false;
  r.proxy_require = {"x"};  // not refused: it cannot be answered, and a 2xx's ACK must pass
  CHECK(check_request(r).status == 0);
}
