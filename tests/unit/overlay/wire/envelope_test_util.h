#pragma once
// Helpers shared by the envelope tests (header, message, framing, fragmentation).

#include <cstdint>
#include <initializer_list>

#include "common/bytes.h"
#include "overlay/wire/message.h"

namespace p2psip::wire::test {

inline Bytes B(std::initializer_list<int> v) {
  Bytes out;
  for (int x : v) out.push_back(static_cast<std::byte>(x));
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline NodeId node_of(int first) {
  NodeId::Array a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::byte>(first + int(i));
  return NodeId(a);
}

inline constexpr std::uint32_t kTestOverlay = 0x01020304;

inline DecodeParams test_params() {
  DecodeParams p;
  p.overlay = kTestOverlay;
  return p;
}

// A ping_req from nowhere to node_of(0x10), unsigned, as the tests' baseline.
inline Message sample_message() {
  Message m;
  m.header.overlay = kTestOverlay;
  m.header.configuration_sequence = 5;
  m.header.transaction_id = 0x0102030405060708ull;
  m.header.destination_list.push_back(Destination::node(node_of(0x10)));
  m.contents.message_code = 0x17;  // ping_req
  m.contents.message_body = B({0x00, 0x00});  // PingReq with empty padding
  return m;
}

}  // namespace p2psip::wire::test
