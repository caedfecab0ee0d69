#include "gateway/sip/via_pin.h"

namespace p2psip::sip {

std::optional<ViaSource> via_source(std::string_view ip, unsigned port) {
  if (port == 0 || ip.empty() || ip == "0.0.0.0" || ip == "::") return std::nullopt;
  if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string_view::npos) ip.remove_prefix(7);
  return ViaSource{std::string(ip), port};
}

std::optional<ViaEdits> via_edits(bool has_maddr, bool has_rport, const ViaSource& source) {
  if (source.ip.empty() || source.port == 0) return std::nullopt;
  ViaEdits e;
  e.received = "received=" + source.ip;
  e.remove_maddr = has_maddr;
  if (has_rport) e.rport = "rport=" + std::to_string(source.port);
  return e;
}

}  // namespace p2psip::sip
