// Any text: parse_sip_uri returns a target or an error; a parsed target drives a plan that
// must finish when every query is answered NODATA.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dns/plan.h"
#include "dns/sip_uri.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace p2psip::dns;
  auto t = parse_sip_uri(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!t) return 0;
  ResolutionPlan plan(*t, {}, [](std::uint32_t) { return 0u; });
  for (int i = 0; i < 8 && !plan.done(); ++i) {
    for (const Query& q : plan.take_queries()) plan.on_answer(q, DnsAnswer{QueryResult::nodata, 0, {}, {}, {}});
  }
  if (!plan.done()) __builtin_trap();
  return 0;
}
