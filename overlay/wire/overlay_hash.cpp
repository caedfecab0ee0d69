#include "overlay/wire/overlay_hash.h"

#include <openssl/sha.h>

#include <array>

namespace p2psip::wire {

std::uint32_t overlay_hash(std::string_view overlay_name) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(overlay_name.data()), overlay_name.size(),
       digest.data());
  std::uint32_t v = 0;
  for (std::size_t i = SHA_DIGEST_LENGTH - 4; i < SHA_DIGEST_LENGTH; ++i) v = (v << 8) | digest[i];
  return v;
}

}  // namespace p2psip::wire
