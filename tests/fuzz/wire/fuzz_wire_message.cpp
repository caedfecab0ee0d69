// Decodes arbitrary bytes as a whole RELOAD message. The overlay hash is taken from the
// input itself so the fuzzer gets past that check; after a successful decode the message
// must re-encode to exactly the input bytes and decode again to the same value.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "overlay/wire/message.h"

using namespace p2psip;
using namespace p2psip::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(reinterpret_cast<const std::byte*>(data), size);
  DecodeParams params;
  params.max_message_size = 1 << 16;
  if (size >= 8) {
    params.overlay = (std::uint32_t{data[4]} << 24) | (std::uint32_t{data[5]} << 16) |
                     (std::uint32_t{data[6]} << 8) | data[7];
  }
  params.option_role = (size % 2 == 0) ? ProcessingRole::kForwarding : ProcessingRole::kResponding;
  const std::uint16_t known_extensions[] = {1};
  auto decoded = decode_message(in, params, known_extensions);

  auto header = parse_forwarding_header(in, params);
  if (header) {  // the forwarding path must reproduce the input too
    auto again = encode_forwarded(header->header, header->payload);
    if (!again || *again != Bytes(in.begin(), in.end())) std::abort();
  }
  if (!decoded) return 0;
  if (!header) std::abort();  // a decodable message has a parseable header

  auto encoded = encode_message(*decoded, params.max_message_size);
  if (!encoded) std::abort();
  if (*encoded != Bytes(in.begin(), in.end())) std::abort();
  auto redecoded = decode_message(*encoded, params, known_extensions);
  if (!redecoded || !(*redecoded == *decoded)) std::abort();
  return 0;
}
