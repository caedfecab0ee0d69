#include "gateway/sip/liberal_parser.h"

#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace p2psip::sip {

namespace {

// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
std::size_t span_token(const char* s) {
  std::size_t n = 0;
  while (s[n] && (std::isalnum(static_cast<unsigned char>(s[n])) ||
                  std::strchr("-.!%*_+`'~", s[n]) != nullptr)) {
    ++n;
  }
  return n;
}

bool is_lws(char c) { return c == ' ' || c == '\t'; }

// The method at `s` (a token, NUL-terminated by the caller): Sofia's code for a known one.
sip_method_t method_code(const char* name) {
  sip_method_t m = sip_method_code(name);
  return m == sip_method_invalid ? sip_method_unknown : m;
}

issize_t request_d(su_home_t* home, msg_header_t* h, char* s, isize_t slen) {
  std::string saved(s, slen);
  if (sip_request_class->hc_parse(home, h, s, slen) >= 0) return 0;
  std::memcpy(s, saved.data(), slen);  // Sofia's decoder cut the line with NULs
  auto* rq = reinterpret_cast<sip_request_t*>(h);
  *rq->rq_url = url_t{};  // whatever the failed attempt left points into the restored line
  std::size_t n = span_token(s);
  if (n == 0 || !is_lws(s[n])) return -1;
  s[n] = '\0';
  char* uri = s + n + 1;
  char* end = s + slen;
  while (end > uri && is_lws(end[-1])) *--end = '\0';
  char* version = end;
  while (version > uri && !is_lws(version[-1])) --version;
  if (version == uri || std::string_view(version) != "SIP/2.0") return -1;
  char* uri_end = version;
  while (uri_end > uri && is_lws(uri_end[-1])) *--uri_end = '\0';
  while (is_lws(*uri)) ++uri;
  if (!*uri) return -1;
  rq->rq_method = method_code(s);
  rq->rq_method_name = s;
  rq->rq_version = sip_version_2_0;
  if (std::strpbrk(uri, " \t")) {
    // RFC 4475 §3.1.2.8: keep the request so that it can be answered 400; a sip: URI
    // without a host is what request_check refuses.
    rq->rq_url->url_type = url_sip;
    rq->rq_url->url_scheme = "sip";
    return 0;
  }
  return url_d(rq->rq_url, uri) < 0 ? -1 : 0;
}

issize_t cseq_d(su_home_t* home, msg_header_t* h, char* s, isize_t slen) {
  std::string saved(s, slen);
  if (sip_cseq_class->hc_parse(home, h, s, slen) >= 0) return 0;
  std::memcpy(s, saved.data(), slen);
  auto* cs = reinterpret_cast<sip_cseq_t*>(h);
  char* p = s;
  unsigned long long seq = 0;
  std::size_t digits = 0;
  while (*p >= '0' && *p <= '9' && digits < 10) seq = seq * 10 + static_cast<unsigned>(*p++ - '0'), ++digits;
  if (digits == 0 || seq > 0xffffffffULL || !is_lws(*p)) return -1;  // 32 bits, as Sofia
  while (is_lws(*p)) ++p;
  std::size_t n = span_token(p);
  if (n == 0) return -1;
  for (char* q = p + n; *q; ++q) {
    if (!is_lws(*q)) return -1;
  }
  p[n] = '\0';
  cs->cs_seq = static_cast<std::uint32_t>(seq);
  cs->cs_method = method_code(p);
  cs->cs_method_name = p;
  return 0;
}

msg_hclass_s request_class = *sip_request_class;
msg_hclass_s cseq_class = *sip_cseq_class;

}  // namespace

void make_liberal(msg_mclass_t* mc) {
  request_class.hc_parse = &request_d;
  cseq_class.hc_parse = &cseq_d;
  mc->mc_request->hr_class = &request_class;
  for (short i = 0; i < mc->mc_hash_size; ++i) {
    if (mc->mc_hash[i].hr_class == sip_cseq_class) mc->mc_hash[i].hr_class = &cseq_class;
  }
}

msg_mclass_t const* liberal_sip_mclass() {
  static msg_mclass_t* mc = [] {
    msg_mclass_t* clone = msg_mclass_clone(sip_default_mclass(), 0, 0);
    if (clone) make_liberal(clone);
    return clone;
  }();
  return mc ? mc : sip_default_mclass();
}

}  // namespace p2psip::sip
