// Any octets, parsed by Sofia as one SIP message: check_stateless_response() (what the proxy
// reads from a response matching no transaction, gateway/sip/stateless_response.h) must say
// "verified" exactly when the top Via's branch is StatelessBranch::make() of the next Via as
// Sofia serializes it, the Call-ID and the CSeq. With the first octet odd, a top Via branch
// written "BRANCH" is replaced by that real token and the message parsed again, so that the
// accepting path is reached through every Via form the parser takes.
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "gateway/sip/stateless_response.h"

namespace {

using p2psip::sip::StatelessBranch;

const StatelessBranch& fixed_key() {
  static const StatelessBranch branches([] {
    p2psip::sip::KeyedMac::Key key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(0x5a ^ i);
    return key;
  }());
  return branches;
}

struct Parsed {
  msg_t* msg = nullptr;
  ~Parsed() { msg_destroy(msg); }
  const sip_t* sip() const { return msg ? sip_object(msg) : nullptr; }
};

// The token a response with this parse must carry, or "" when it cannot have one.
std::string expected_branch(const sip_t* sip) {
  if (!sip || !sip->sip_via || !sip->sip_via->v_next || !sip->sip_call_id ||
      !sip->sip_call_id->i_id || !sip->sip_cseq) {
    return {};
  }
  std::string next = p2psip::sip::header_text(reinterpret_cast<const sip_header_t*>(sip->sip_via->v_next));
  std::string out;
  if (!next.empty()) {
    out = fixed_key().make(next, sip->sip_call_id->i_id, sip->sip_cseq->cs_seq,
                           sip->sip_cseq->cs_method_name ? sip->sip_cseq->cs_method_name : "");
  }
  return out;
}

void check(const sip_t* sip) {
  auto c = p2psip::sip::check_stateless_response(sip, fixed_key());
  const char* branch = sip && sip->sip_via ? sip->sip_via->v_branch : nullptr;
  bool prefix = branch && StatelessBranch::has_prefix(branch);
  if (c.our_prefix != prefix) __builtin_trap();
  std::string want = prefix ? expected_branch(sip) : std::string();
  if (c.verified != (!want.empty() && want == branch)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bool insert_token = data[0] & 1;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Parsed first{msg_make(sip_default_mclass(), 0, text.data(), static_cast<isize_t>(text.size()))};
  check(first.sip());
  const sip_t* sip = first.sip();
  if (!insert_token || !sip || !sip->sip_via || !sip->sip_via->v_branch ||
      std::string(sip->sip_via->v_branch) != "BRANCH") {
    return 0;
  }
  std::string real = expected_branch(sip);
  auto at = text.find("BRANCH");
  if (real.empty() || at == std::string::npos) return 0;
  text.replace(at, 6, real);
  Parsed second{msg_make(sip_default_mclass(), 0, text.data(), static_cast<isize_t>(text.size()))};
  check(second.sip());
  return 0;
}
