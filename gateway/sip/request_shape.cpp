#include "gateway/sip/request_shape.h"

#include <sofia-sip/sip.h>

#include <cstring>
#include <string_view>

namespace p2psip::sip {

RequestShape request_shape(const sip_s* sip) {
  const sip_request_t* rq = sip->sip_request;
  const url_t* url = rq->rq_url;
  RequestShape r;
  r.ack = rq->rq_method == sip_method_ack;
  r.cancel = rq->rq_method == sip_method_cancel;
  r.headers_complete = sip->sip_via && sip->sip_call_id && sip->sip_cseq && sip->sip_from && sip->sip_to;
  r.parse_error = sip->sip_error != nullptr;
  // Unknown methods compare by name (RFC 4475 §3.1.2.18: NEWMETHOD with CSeq INVITE).
  r.cseq_matches = sip->sip_cseq && sip->sip_cseq->cs_method == rq->rq_method &&
                   (rq->rq_method != sip_method_unknown ||
                    (sip->sip_cseq->cs_method_name && rq->rq_method_name &&
                     std::string_view(sip->sip_cseq->cs_method_name) == rq->rq_method_name));
  // A Content-Length beyond the body received (a datagram cut short, or an absurd value).
  usize_t body = sip->sip_payload ? sip->sip_payload->pl_len : 0;
  r.body_short = sip->sip_content_length && sip->sip_content_length->l_length > body;
  r.sip_scheme = url->url_type == url_sip || url->url_type == url_sips;
  r.has_host = url->url_host && *url->url_host;
  r.uri_headers = url->url_headers != nullptr;
  r.uri_path = url->url_path != nullptr;
  for (const char* part : {url->url_user, url->url_password, url->url_host, url->url_port,
                           url->url_path, url->url_params, url->url_headers}) {
    if (part && std::strpbrk(part, " \t")) r.uri_lws = true;
  }
  for (const sip_proxy_require_t* p = sip->sip_proxy_require; p; p = p->k_next) {
    for (const msg_param_t* item = p->k_items; item && *item; ++item) r.proxy_require.emplace_back(*item);
  }
  return r;
}

}  // namespace p2psip::sip
