#include "gateway/sip/stateless_response.h"

#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>

#include <cstring>

namespace p2psip::sip {

StatelessResponseCheck check_stateless_response(const sip_t* sip, const StatelessBranch& branches) {
  StatelessResponseCheck c;
  const sip_via_t* top = sip ? sip->sip_via : nullptr;
  if (!top || !top->v_branch || !StatelessBranch::has_prefix(top->v_branch)) return c;
  c.our_prefix = true;
  if (!top->v_next || !sip->sip_call_id || !sip->sip_call_id->i_id || !sip->sip_cseq) return c;
  std::string next = header_text(reinterpret_cast<const sip_header_t*>(top->v_next));
  if (!next.empty()) {
    const char* method = sip->sip_cseq->cs_method_name ? sip->sip_cseq->cs_method_name : "";
    c.verified = branches.verify(top->v_branch, next, sip->sip_call_id->i_id,
                                 sip->sip_cseq->cs_seq, method);
  }
  return c;
}

std::string header_text(const sip_header_t* h) {
  if (!h) return {};
  std::string out(2048, '\0');  // zeroed: whatever the encoder leaves unwritten ends the text
  issize_t n = sip_header_field_e(out.data(), static_cast<isize_t>(out.size()), h, 0);
  if (n <= 0 || static_cast<std::size_t>(n) >= out.size()) return {};
  out.resize(strnlen(out.data(), static_cast<std::size_t>(n)));
  return out;
}

}  // namespace p2psip::sip
