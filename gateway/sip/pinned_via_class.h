#pragma once
// A SIP message class for nta (NTATAG_MCLASS) whose Via parser pins the top Via of every
// request received to its source address (via_pin.h), so that no reply nta sends, stateless
// error or transaction response, resolves a name or goes to a third party. The same class
// carries the liberal request-line and CSeq decoders (liberal_parser.h): nta takes one class.
//
// How: a clone of sip_default_mclass() in which the *name* lookup of "Via"/"v" finds a copy
// of sip_via_class with its own parse function; that function parses with sip_via_d, puts
// the real sip_via_class back on the headers it made (so every class-pointer comparison in
// Sofia still holds) and edits the top Via of a request. The real class stays in the hash
// table right behind the copy, so msg_hclass_offset() (headers inserted by class, e.g. nta's
// own Via on forwarded requests) still finds it. Parse functions get the message's home,
// which is the message itself (msg.h: msg_home(msg) is the msg_t pointer).

#include <memory>

struct msg_mclass_s;

namespace p2psip::sip {

class PinnedViaClass {
 public:
  // nullptr if the default class does not have the layout expected.
  static std::unique_ptr<PinnedViaClass> create();
  ~PinnedViaClass();
  PinnedViaClass(const PinnedViaClass&) = delete;
  PinnedViaClass& operator=(const PinnedViaClass&) = delete;

  const msg_mclass_s* mclass() const { return mclass_; }

 private:
  PinnedViaClass() = default;
  msg_mclass_s* mclass_ = nullptr;  // malloc()ed by msg_mclass_clone
};

}  // namespace p2psip::sip
