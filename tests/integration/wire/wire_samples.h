#pragma once
// Sample messages of every type the codec produces (shared by wire_samples and bench_wire).

#include <string>
#include <vector>

#include "common/bytes.h"
#include "overlay/wire/message.h"

namespace p2psip::wire {

inline constexpr const char* kSampleOverlayName = "p2p.example.com";

struct Sample {
  std::string name;  // "probe_req", ...
  Message message;
  Bytes bytes;       // encode_message(message)
};

std::vector<Sample> all_samples();
// A ~4 KB store_req (for fragmentation).
Bytes large_sample();

}  // namespace p2psip::wire
