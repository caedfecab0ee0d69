// Any bytes: read_message_ttls must return a value or an error, never read out of bounds.
#include <cstddef>
#include <cstdint>

#include "dns/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = p2psip::dns::read_message_ttls(
      p2psip::ByteView(reinterpret_cast<const std::byte*>(data), size));
  if (r && r->answer_ttl && *r->answer_ttl > 0x7FFFFFFFu) __builtin_trap();
  return 0;
}
