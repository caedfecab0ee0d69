#include "dns/ares_answer.h"

#include <ares.h>

#include "dns/message.h"
#include "dns/records.h"

namespace p2psip::dns {
namespace {

QueryResult result_of(int status) {
  switch (status) {
    case ARES_SUCCESS: return QueryResult::ok;
    case ARES_ENODATA: return QueryResult::nodata;
    case ARES_ENOTFOUND: return QueryResult::nxdomain;
    case ARES_ESERVFAIL: return QueryResult::servfail;
    case ARES_ETIMEOUT: return QueryResult::timeout;
    default: return QueryResult::error;
  }
}

}  // namespace

DnsAnswer parse_ares_answer(RecordType type, int status, const unsigned char* abuf, int alen) {
  DnsAnswer out;
  out.result = result_of(status);
  std::optional<MessageTtls> ttls;
  ByteView message;
  if (abuf && alen > 0) {
    message = ByteView(reinterpret_cast<const std::byte*>(abuf), static_cast<std::size_t>(alen));
    auto m = read_message_ttls(message);
    if (m) ttls = *m;
  }
  if (out.result == QueryResult::ok) {
    if (!ttls) return DnsAnswer{QueryResult::error, 0, {}, {}, {}};
    auto n = read_answer_records(message, type, out);
    if (!n) return DnsAnswer{QueryResult::error, 0, {}, {}, {}};
    if (*n == 0) {
      out.result = QueryResult::nodata;  // e.g. only a CNAME of another type
    } else {
      out.ttl = ttls->answer_ttl.value_or(0);
      return out;
    }
  }
  if ((out.result == QueryResult::nodata || out.result == QueryResult::nxdomain) && ttls) {
    out.ttl = ttls->negative_ttl.value_or(0);  // RFC 2308 §5: no SOA, no caching
  }
  return out;
}

std::string ares_status_text(int status) { return ares_strerror(status); }

}  // namespace p2psip::dns
