#pragma once
// Every Sofia-SIP handle the gateway holds is owned by one of these types (DESIGN.md §4); no
// destroy call of Sofia is written anywhere else. Sofia's ownership rules, as read in nta.c and
// msg.c (1.12.x), and how the types follow them:
//  - msg_t is reference counted: msg_ref_create() adds a reference, msg_destroy() drops one.
//    A Message is one reference. Functions that take a message over even when they fail
//    (nta_incoming_create, nta_incoming_mreply, nta_msg_treply, nta_msg_tsend) get
//    `m.release()`; nta_outgoing_mcreate() takes it only on success (release after success).
//  - nta_incoming_destroy() / nta_outgoing_destroy() only mark the transaction disposable; nta
//    frees it later. Neither may run twice. An unanswered server transaction is answered 500 by
//    nta_incoming_destroy(). A pending INVITE client transaction (not completed, not cancelled)
//    is dropped at once by nta_outgoing_destroy() without a CANCEL: cancel first.
//  - The transaction nta_outgoing_tcancel() returns (callback NULL) destroys itself on its final
//    response: it is never held here.
//  - A transaction is never destroyed from its own callback by the proxy: the owner of the
//    handles is destroyed later (Proxy's reaper timer), outside nta's callbacks.
//  - The nta agent outlives every transaction and timer of it: its owner destroys it last.

#include <sofia-sip/su_alloc.h>

#include <memory>

struct msg_s;
struct nta_agent_s;
struct nta_incoming_s;
struct nta_outgoing_s;
struct su_root_s;
struct su_timer_s;

namespace p2psip::sip::sofia {

struct MsgUnref {
  void operator()(msg_s* m) const noexcept;
};
struct AgentDestroy {
  void operator()(nta_agent_s* a) const noexcept;
};
struct IncomingDestroy {
  void operator()(nta_incoming_s* irq) const noexcept;
};
struct OutgoingDestroy {
  void operator()(nta_outgoing_s* orq) const noexcept;
};
struct TimerDestroy {
  void operator()(su_timer_s* t) const noexcept;
};
struct RootDestroy {
  void operator()(su_root_s* r) const noexcept;
};

// One reference to a message.
using Message = std::unique_ptr<msg_s, MsgUnref>;
using Agent = std::unique_ptr<nta_agent_s, AgentDestroy>;
using ServerTransaction = std::unique_ptr<nta_incoming_s, IncomingDestroy>;
using ClientTransaction = std::unique_ptr<nta_outgoing_s, OutgoingDestroy>;
using Timer = std::unique_ptr<su_timer_s, TimerDestroy>;
// The su_root of the process's loop (gateway/runtime/event_loop.h); outlives everything on it.
using Root = std::unique_ptr<su_root_s, RootDestroy>;

// A new reference to `m` (msg_ref_create); null for null.
Message add_ref(msg_s* m);
// A timer on the root's task with the default interval `ms` (Sofia asserts on 0 ms timers).
Timer make_timer(su_root_s* root, unsigned ms);

// A memory home on the stack for the strings of one call (url_as_string...), freed at scope end.
class ScopedHome {
 public:
  ScopedHome() = default;
  ~ScopedHome() { su_home_deinit(home_); }
  ScopedHome(const ScopedHome&) = delete;
  ScopedHome& operator=(const ScopedHome&) = delete;
  su_home_t* get() { return home_; }

 private:
  su_home_t home_[1] = {SU_HOME_INIT(home_)};
};

}  // namespace p2psip::sip::sofia
