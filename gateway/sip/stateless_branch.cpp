#include "gateway/sip/stateless_branch.h"

namespace p2psip::sip {

namespace {

constexpr std::size_t kTokenBytes = 16;
constexpr std::string_view kMacPrefix = "p2psip-sl-v1";

}  // namespace

StatelessBranch::StatelessBranch(const KeyedMac::Key& key) : mac_(key, kMacPrefix) {}

StatelessBranch StatelessBranch::random() { return StatelessBranch(KeyedMac::random_key()); }

std::string StatelessBranch::make(std::string_view upstream_via, std::string_view call_id,
                                  std::uint32_t cseq, std::string_view method) const {
  std::string token = mac_.hex({KeyedMac::length_prefix(upstream_via.size()), upstream_via,
                                KeyedMac::length_prefix(call_id.size()), call_id,
                                KeyedMac::length_prefix(cseq), method},
                               kTokenBytes);
  return token.empty() ? std::string() : std::string(kPrefix) + token;
}

bool StatelessBranch::verify(std::string_view branch, std::string_view next_via,
                             std::string_view call_id, std::uint32_t cseq,
                             std::string_view method) const {
  if (!has_prefix(branch)) return false;
  std::string expected = make(next_via, call_id, cseq, method);
  return !expected.empty() && same_token(expected, branch);
}

}  // namespace p2psip::sip
