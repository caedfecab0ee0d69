#include "dns/ares_answer.h"

#include <arpa/inet.h>
#include <ares.h>

#include <algorithm>
#include <vector>

#include "dns/message.h"

namespace p2psip::dns {
namespace {

constexpr int kMaxAddresses = 1024;

std::string text(const unsigned char* s) {
  return s ? std::string(reinterpret_cast<const char*>(s)) : std::string();
}

int parse_naptr(const unsigned char* abuf, int alen, DnsAnswer& out) {
  ares_naptr_reply* head = nullptr;
  int rc = ares_parse_naptr_reply(abuf, alen, &head);
  for (ares_naptr_reply* r = head; r; r = r->next) {
    out.naptr.push_back(NaptrRecord{r->order, r->preference, text(r->flags), text(r->service),
                                    text(r->regexp), r->replacement ? r->replacement : ""});
  }
  if (head) ares_free_data(head);
  return rc;
}

int parse_srv(const unsigned char* abuf, int alen, DnsAnswer& out) {
  ares_srv_reply* head = nullptr;
  int rc = ares_parse_srv_reply(abuf, alen, &head);
  for (ares_srv_reply* r = head; r; r = r->next) {
    out.srv.push_back(SrvRecord{r->priority, r->weight, r->port, r->host ? r->host : ""});
  }
  if (head) ares_free_data(head);
  return rc;
}

const void* addr_of(const ares_addrttl& t) { return &t.ipaddr; }
const void* addr_of(const ares_addr6ttl& t) { return &t.ip6addr; }

template <class Ttl, class Parse>
int parse_addresses(int family, Parse parse, const unsigned char* abuf, int alen, int count,
                    DnsAnswer& out) {
  std::vector<Ttl> ttls(static_cast<std::size_t>(std::clamp(count, 1, kMaxAddresses)));
  int n = static_cast<int>(ttls.size());
  hostent* host = nullptr;
  int rc = parse(abuf, alen, &host, ttls.data(), &n);
  if (host) ares_free_hostent(host);
  char buf[INET6_ADDRSTRLEN] = {};
  for (int i = 0; rc == ARES_SUCCESS && i < n; ++i) {
    if (inet_ntop(family, addr_of(ttls[static_cast<std::size_t>(i)]), buf, sizeof buf)) {
      out.addresses.emplace_back(buf);
    }
  }
  return rc;
}

int parse_records(RecordType type, const unsigned char* abuf, int alen, int count, DnsAnswer& out) {
  switch (type) {
    case RecordType::naptr: return parse_naptr(abuf, alen, out);
    case RecordType::srv: return parse_srv(abuf, alen, out);
    case RecordType::a:
      return parse_addresses<ares_addrttl>(AF_INET, ares_parse_a_reply, abuf, alen, count, out);
    case RecordType::aaaa:
      return parse_addresses<ares_addr6ttl>(AF_INET6, ares_parse_aaaa_reply, abuf, alen, count, out);
  }
  return ARES_ENODATA;
}

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
  if (abuf && alen > 0) {
    auto m = read_message_ttls(ByteView(reinterpret_cast<const std::byte*>(abuf),
                                        static_cast<std::size_t>(alen)));
    if (m) ttls = *m;
  }
  if (out.result == QueryResult::ok) {
    if (!ttls) return DnsAnswer{QueryResult::error, 0, {}, {}, {}};
    int rc = parse_records(type, abuf, alen, ttls->answer_count, out);
    bool empty = out.naptr.empty() && out.srv.empty() && out.addresses.empty();
    if (rc == ARES_ENODATA || (rc == ARES_SUCCESS && empty)) {
      out.result = QueryResult::nodata;  // e.g. only a CNAME of another type
    } else if (rc != ARES_SUCCESS) {
      return DnsAnswer{QueryResult::error, 0, {}, {}, {}};
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
