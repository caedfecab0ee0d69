#include "dns/types.h"

namespace p2psip::dns {

std::string_view to_string(Transport t) {
  switch (t) {
    case Transport::udp: return "udp";
    case Transport::tcp: return "tcp";
    case Transport::tls: return "tls";
  }
  return "udp";
}

std::uint16_t default_port(Transport t) { return t == Transport::tls ? 5061 : 5060; }

std::string_view to_string(RecordType t) {
  switch (t) {
    case RecordType::a: return "A";
    case RecordType::aaaa: return "AAAA";
    case RecordType::srv: return "SRV";
    case RecordType::naptr: return "NAPTR";
  }
  return "A";
}

std::string_view to_string(QueryResult r) {
  switch (r) {
    case QueryResult::ok: return "ok";
    case QueryResult::nxdomain: return "nxdomain";
    case QueryResult::nodata: return "nodata";
    case QueryResult::servfail: return "servfail";
    case QueryResult::timeout: return "timeout";
    case QueryResult::error: return "error";
  }
  return "error";
}

std::string ResolveError::message() const {
  std::string what;
  switch (kind) {
    case Kind::bad_uri: what = "invalid SIP URI"; break;
    case Kind::nxdomain: what = "NXDOMAIN"; break;
    case Kind::no_records: what = "no SRV, A or AAAA records"; break;
    case Kind::unavailable: what = "service unavailable (SRV target \".\")"; break;
    case Kind::servfail: what = "SERVFAIL"; break;
    case Kind::timeout: what = "timeout"; break;
    case Kind::error: what = "DNS error"; break;
    case Kind::shutdown: what = "resolver shut down"; break;
  }
  std::string out = name.empty() ? what : name + ": " + what;
  if (!detail.empty()) out += " " + detail;
  return out;
}

}  // namespace p2psip::dns
