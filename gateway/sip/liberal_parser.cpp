#include "gateway/sip/liberal_parser.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_buffer.h>
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

bool is_line_end(char c) { return c == '\r' || c == '\n'; }

// The start-line decoders are called by extract_first() with the message as home and `line`
// pointing into its buffer, NUL-terminated where its line end began (msg.h: msg_home(msg) is
// the msg_t; the buffer is not copied unless MSG_FLG_EXTRACT_COPY, which nta does not set).
void scrub_after_start_line(su_home_t* home, char* line, isize_t len) {
  auto* msg = reinterpret_cast<msg_t*>(home);
  auto* data = static_cast<char*>(msg_buf_committed_data(msg));
  if (!data) return;
  char* end = data + msg_buf_committed(msg);
  char* line_end = line + len;
  auto at = [](const char* p) { return reinterpret_cast<std::uintptr_t>(p); };
  if (at(line) < at(data) || at(line_end) >= at(end)) return;  // a copied line: not the buffer
  NulScrub found = scrub_header_nuls(line_end + 1, end);
  if (found.stray > 0) msg_object(msg)->msg_flags |= MSG_FLG_ERROR;  // nta: 400
}

issize_t request_d(su_home_t* home, msg_header_t* h, char* s, isize_t slen) {
  scrub_after_start_line(home, s, slen);
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

issize_t status_d(su_home_t* home, msg_header_t* h, char* s, isize_t slen) {
  scrub_after_start_line(home, s, slen);
  return sip_status_class->hc_parse(home, h, s, slen);
}

msg_hclass_s request_class = *sip_request_class;
msg_hclass_s status_class = *sip_status_class;
msg_hclass_s cseq_class = *sip_cseq_class;

}  // namespace

NulScrub scrub_header_nuls(char* p, char* end) {
  NulScrub found;
  if (p >= end || !std::memchr(p, '\0', static_cast<std::size_t>(end - p))) return found;
  while (p < end && (is_lws(*p) || is_line_end(*p))) ++p;  // as extract_first() skips them
  bool quoted = false;       // inside a quoted-string
  std::size_t comment = 0;   // depth of comments (outside quoted-strings)
  bool escaped = false;      // the previous octet was a quoted-pair's "\"
  for (; p < end; ++p) {
    char c = *p;
    if (is_line_end(c)) {
      // A line ends at CR, LF or CRLF (Sofia's CRLF_TEST); LWS after it folds the line.
      char* next = p + (c == '\r' && p + 1 < end && p[1] == '\n' ? 2 : 1);
      if (next >= end || is_line_end(*next)) break;  // the empty line ends the header section
      if (!is_lws(*next)) {  // the next header field
        quoted = false;
        comment = 0;
      }
      escaped = false;  // quoted-pair excludes CR and LF
      p = next - 1;
      continue;
    }
    if (c == '\0') {
      // RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F); qdtext, ctext and
      // every other production of a header field exclude %x00.
      ++(escaped ? found.quoted : found.stray);
      *p = kNulStandIn;
      escaped = false;
    } else if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = quoted || comment > 0;
    } else if (c == '"' && comment == 0) {
      quoted = !quoted;
    } else if (c == '(' && !quoted) {
      ++comment;
    } else if (c == ')' && !quoted && comment > 0) {
      --comment;
    }
  }
  return found;
}

void make_liberal(msg_mclass_t* mc) {
  request_class.hc_parse = &request_d;
  status_class.hc_parse = &status_d;
  cseq_class.hc_parse = &cseq_d;
  mc->mc_request->hr_class = &request_class;
  mc->mc_status->hr_class = &status_class;
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
