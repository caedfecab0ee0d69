#pragma once
// One sample message of every message code the codec knows (sample_message_codes(): every
// RFC 6940 §14.8 method, requests and answers, and error), shared by wire_samples and
// bench_wire. Bodies come from overlay/wire/samples.h.

#include <string>
#include <vector>

#include "common/bytes.h"
#include "overlay/wire/message.h"

namespace p2psip::wire {

inline constexpr const char* kSampleOverlayName = "p2p.example.com";

// Signs the samples the way a node does (wire_samples uses overlay/security with a real
// certificate and RSA key). Without one, the samples carry placeholder signatures of the
// right sizes (the benchmark measures the codec alone).
class SampleSigner {
 public:
  virtual ~SampleSigner() = default;
  // The SecurityBlock (certificates and signature) over a message's §6.3.4 signature input.
  virtual SecurityBlock sign_message(ByteView signature_input) = 0;
  // The signature of one StoredData over its §7.1 signature input.
  virtual Signature sign_data(ByteView stored_data_input) = 0;
  virtual SignerIdentity identity() const = 0;
};

struct Sample {
  std::string name;  // message_code_name(): "probe_req", ..., "error"
  Message message;
  Bytes bytes;       // encode_message(message)
};

// In sample_message_codes() order; transaction ids 0x1001, 0x1002, ...
std::vector<Sample> all_samples(SampleSigner* signer = nullptr);
// A ~4 KB store_req (for fragmentation).
Bytes large_sample();

}  // namespace p2psip::wire
