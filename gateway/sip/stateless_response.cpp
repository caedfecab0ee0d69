#include "gateway/sip/stateless_response.h"

#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>

namespace p2psip::sip {

StatelessResponseCheck check_stateless_response(const sip_t* sip, const StatelessBranch& branches) {
  StatelessResponseCheck c;
  const sip_via_t* top = sip ? sip->sip_via : nullptr;
  if (!top || !top->v_branch || !StatelessBranch::has_prefix(top->v_branch)) return c;
  c.our_prefix = true;
  if (!top->v_next || !sip->sip_call_id || !sip->sip_call_id->i_id || !sip->sip_cseq) return c;
  su_home_t home[1] = {SU_HOME_INIT(home)};
  if (char* next = sip_header_as_string(home, reinterpret_cast<const sip_header_t*>(top->v_next))) {
    const char* method = sip->sip_cseq->cs_method_name ? sip->sip_cseq->cs_method_name : "";
    c.verified = branches.verify(top->v_branch, next, sip->sip_call_id->i_id,
                                 sip->sip_cseq->cs_seq, method);
  }
  su_home_deinit(home);
  return c;
}

}  // namespace p2psip::sip
