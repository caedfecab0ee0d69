#include "dns/naptr.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace p2psip::dns {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.size() > 1 && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

std::optional<Transport> naptr_transport(std::string_view service) {
  std::string s = upper(service);
  if (s == "SIP+D2U") return Transport::udp;
  if (s == "SIP+D2T") return Transport::tcp;
  if (s == "SIPS+D2T") return Transport::tls;
  return std::nullopt;
}

std::vector<NaptrChoice> select_naptr(const std::vector<NaptrRecord>& records, bool secure) {
  std::vector<const NaptrRecord*> usable;
  for (const NaptrRecord& r : records) {
    auto transport = naptr_transport(r.service);
    if (!transport) continue;
    if (secure && *transport != Transport::tls) continue;  // §4.1: SIPS URIs keep SIPS only
    if (upper(r.flags) != "S" || !r.regexp.empty()) continue;
    if (r.replacement.empty() || r.replacement == ".") continue;
    usable.push_back(&r);
  }
  std::stable_sort(usable.begin(), usable.end(), [](const NaptrRecord* a, const NaptrRecord* b) {
    if (a->order != b->order) return a->order < b->order;
    return a->preference < b->preference;
  });
  std::vector<NaptrChoice> out;
  for (const NaptrRecord* r : usable) {
    NaptrChoice c{*naptr_transport(r->service), lower(r->replacement)};
    bool dup = std::any_of(out.begin(), out.end(), [&](const NaptrChoice& o) {
      return o.transport == c.transport && o.srv_name == c.srv_name;
    });
    if (!dup) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace p2psip::dns
