#include "gateway/sip/pinned_via_class.h"

#include <arpa/inet.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/su.h>

#include <cstdlib>

#include "gateway/sip/liberal_parser.h"
#include "gateway/sip/via_pin.h"

namespace p2psip::sip {

namespace {

// sip_via_d parses a comma list by calling the class's parser again. Per thread: each SIP
// worker (gateway/runtime/sip_workers.h) parses on its own.
thread_local int parse_depth = 0;

std::optional<ViaSource> source_of(msg_t* msg) {
  const su_sockaddr_t* su = msg_addr(msg);
  if (!su) return std::nullopt;
  char ip[INET6_ADDRSTRLEN] = "";
  unsigned port = 0;
  if (su->su_family == AF_INET) {
    inet_ntop(AF_INET, &su->su_sin.sin_addr, ip, sizeof ip);
    port = ntohs(su->su_sin.sin_port);
  } else if (su->su_family == AF_INET6) {
    inet_ntop(AF_INET6, &su->su_sin6.sin6_addr, ip, sizeof ip);
    port = ntohs(su->su_sin6.sin6_port);
  } else {
    return std::nullopt;
  }
  return via_source(ip, port);
}

// Removes every `name` parameter (any case). A Via may repeat one (`maddr=A;maddr=B`): the
// parsed fields hold one of them, but a copy of the header (sip_via_dup(), as nta's replies
// carry the request's Via) recomputes them from the parameters, the last one winning, so a
// repeat left behind would steer the reply after all (found by fuzz_sip_message).
void remove_all(msg_common_t* h, const char* name) {
  while (msg_header_remove_param(h, name) > 0) {
  }
}

// Whether the Via has a `name` parameter, with or without a value, in its parameter list (not
// its parsed field): Sofia 1.12.11 reads the parameters before it cuts a Via list at its comma,
// so for `;maddr,` or `;rport,` it leaves v_maddr / v_rport unset while the parameter stays,
// and a copy of the Via (sip_via_dup(), in nta's replies) then has maddr="" or an rport we did
// not set (found by fuzz_sip_message; seeds via_trailing_comma_maddr, _rport).
bool has_param(const sip_via_t* via, const char* name) {
  return via->v_params && msg_params_find(via->v_params, name) != nullptr;
}

void pin(msg_t* msg, sip_via_t* via) {
  auto source = source_of(msg);
  if (!source) return;
  auto edits = via_edits(via->v_maddr || has_param(via, "maddr"),
                         via->v_rport || has_param(via, "rport"), *source);
  if (!edits) return;
  su_home_t* home = msg_home(msg);
  if (edits->remove_maddr) remove_all(via->v_common, "maddr");
  remove_all(via->v_common, "received");
  if (edits->rport) remove_all(via->v_common, "rport");
  msg_header_replace_param(home, via->v_common, su_strdup(home, edits->received.c_str()));
  if (edits->rport) {
    msg_header_replace_param(home, via->v_common, su_strdup(home, edits->rport->c_str()));
  }
}

issize_t parse_via(su_home_t* home, msg_header_t* h, char* s, isize_t slen) {
  // Only the parser reaches this class (by header name), and it passes msg_home(msg).
  auto* msg = reinterpret_cast<msg_t*>(home);
  sip_t* sip = sip_object(msg);
  bool top = parse_depth == 0 && sip && sip->sip_request && !sip->sip_via;
  ++parse_depth;
  issize_t r = sip_via_d(home, h, s, slen);
  --parse_depth;
  for (msg_header_t* x = h; x; x = x->sh_next) x->sh_class = sip_via_class;
  if (r >= 0 && top) pin(msg, reinterpret_cast<sip_via_t*>(h));
  return r;
}

const msg_hclass_s pinned_via = [] {
  msg_hclass_s c = *sip_via_class;
  c.hc_parse = &parse_via;
  return c;
}();

}  // namespace

std::unique_ptr<PinnedViaClass> PinnedViaClass::create() {
  std::unique_ptr<PinnedViaClass> self(new PinnedViaClass());
  self->mclass_ = msg_mclass_clone(sip_default_mclass(), 0, 0);
  msg_mclass_t* mc = self->mclass_;
  if (!mc || !mc->mc_short || mc->mc_hash_used + 1 >= mc->mc_hash_size) return nullptr;
  const int n = mc->mc_hash_size;
  int at = -1;
  for (int j = sip_via_class->hc_hash % n; mc->mc_hash[j].hr_class; j = (j + 1) % n) {
    if (mc->mc_hash[j].hr_class == sip_via_class) {
      at = j;
      break;
    }
  }
  if (at < 0) return nullptr;
  // The copy takes the real class's slot (found first by name); the real class moves to the
  // first free slot after it, still on the same probe chain (found by pointer).
  msg_href_t real = mc->mc_hash[at];
  int free_slot = (at + 1) % n;
  while (mc->mc_hash[free_slot].hr_class) free_slot = (free_slot + 1) % n;
  mc->mc_hash[free_slot] = real;
  mc->mc_hash[at].hr_class = &pinned_via;
  mc->mc_hash_used++;
  auto* shorts = const_cast<msg_href_t*>(mc->mc_short);  // the clone's own copy
  msg_href_t& v = shorts['v' - 'a'];
  if (v.hr_class != sip_via_class) return nullptr;
  v.hr_class = &pinned_via;
  make_liberal(mc);  // RFC 3261 token methods, a 400 for LWS in the Request-URI
  return self;
}

PinnedViaClass::~PinnedViaClass() { std::free(mclass_); }

}  // namespace p2psip::sip
