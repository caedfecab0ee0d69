#include "gateway/sip/sofia_handles.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/su_wait.h>

namespace p2psip::sip::sofia {

void MsgUnref::operator()(msg_s* m) const noexcept { msg_destroy(m); }
void AgentDestroy::operator()(nta_agent_s* a) const noexcept { nta_agent_destroy(a); }
void IncomingDestroy::operator()(nta_incoming_s* irq) const noexcept { nta_incoming_destroy(irq); }
void OutgoingDestroy::operator()(nta_outgoing_s* orq) const noexcept { nta_outgoing_destroy(orq); }
void TimerDestroy::operator()(su_timer_s* t) const noexcept { su_timer_destroy(t); }
void RootDestroy::operator()(su_root_s* r) const noexcept { su_root_destroy(r); }

Message add_ref(msg_s* m) { return Message(msg_ref_create(m)); }

Timer make_timer(su_root_s* root, unsigned ms) {
  return Timer(su_timer_create(su_root_task(root), static_cast<su_duration_t>(ms)));
}

}  // namespace p2psip::sip::sofia
