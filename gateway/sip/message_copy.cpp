#include "gateway/sip/message_copy.h"

#include <sofia-sip/msg.h>

namespace p2psip::sip {

sofia::Message forwarding_copy(msg_s* original) { return sofia::Message(msg_dup(original)); }

}  // namespace p2psip::sip
