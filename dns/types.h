#pragma once
// Vocabulary of the RFC 3263 resolver: transports, targets, DNS record values, query results
// and resolution errors. Pure values, no I/O.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace p2psip::dns {

enum class Transport { udp, tcp, tls };

// Lowercase name as printed by `p2psip resolve`: "udp", "tcp", "tls".
std::string_view to_string(Transport t);
// RFC 3261 default port: 5060 for UDP/TCP, 5061 for TLS.
std::uint16_t default_port(Transport t);

// One place to try, in order (RFC 3263 §4.3 failover walks this list).
struct Target {
  Transport transport = Transport::udp;
  std::string ip;        // numeric, IPv6 without brackets
  std::uint16_t port = 0;
  std::string hostname;  // the name the address came from (SRV target or URI host)
  bool operator==(const Target&) const = default;
};

enum class RecordType : std::uint16_t { a = 1, naptr = 35, srv = 33, aaaa = 28 };
std::string_view to_string(RecordType t);  // "A", "AAAA", "SRV", "NAPTR" (metric label `type`)

// Outcome of one DNS query; to_string gives the metric label `result`:
// ok, nxdomain, nodata, servfail, timeout, error.
enum class QueryResult { ok, nxdomain, nodata, servfail, timeout, error };
std::string_view to_string(QueryResult r);

struct NaptrRecord {
  std::uint16_t order = 0;
  std::uint16_t preference = 0;
  std::string flags;
  std::string service;
  std::string regexp;
  std::string replacement;  // without trailing dot
};

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // without trailing dot; "" or "." means "no service here"
};

// One DNS answer, already parsed. Only the vector matching the query type is filled.
struct DnsAnswer {
  QueryResult result = QueryResult::error;
  std::uint32_t ttl = 0;  // seconds this answer may be cached (0: do not cache)
  std::vector<NaptrRecord> naptr;
  std::vector<SrvRecord> srv;
  std::vector<std::string> addresses;  // numeric A or AAAA values
};

struct Query {
  std::string name;  // lowercase, no trailing dot
  RecordType type = RecordType::a;
  bool operator==(const Query&) const = default;
};

// Why a resolution produced no target.
struct ResolveError {
  enum class Kind { bad_uri, nxdomain, no_records, unavailable, servfail, timeout, error, shutdown };
  Kind kind = Kind::error;
  std::string name;    // the domain (or URI) concerned
  std::string detail;  // extra words, e.g. "after 2.0s"
  // One line for operators: "example.invalid: NXDOMAIN".
  std::string message() const;
};

// Uniform random integer in [0, bound] inclusive (RFC 2782 weighted selection). Injected so that
// tests and the simulator are deterministic.
using Rng = std::function<std::uint32_t(std::uint32_t bound)>;

}  // namespace p2psip::dns
