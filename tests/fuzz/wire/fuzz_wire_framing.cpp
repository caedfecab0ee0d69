// Drives the stream Deframer with the input cut into chunks whose sizes the input chooses,
// hands every data frame to a Reassembler at advancing times, and decodes what comes out.
// Checks the invariants: the Deframer buffers at most one incomplete frame, the
// Reassembler stays within its limits, and frames re-encode to the bytes they came from.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "overlay/wire/fragmentation.h"
#include "overlay/wire/framing.h"
#include "overlay/wire/message.h"

using namespace p2psip;
using namespace p2psip::wire;

namespace {

void check_frame_round_trip(const Frame& f) {
  if (const auto* d = std::get_if<DataFrame>(&f); d != nullptr && d->truncated) {
    // The head of an oversized frame: exactly max message size bytes, never re-encoded.
    if (d->message.size() != kDefaultMaxMessageSize) std::abort();
    return;
  }
  Writer w;
  encode(w, f);
  if (!w.ok()) std::abort();
  Reader r(w.bytes());
  Frame back = decode_frame(r);
  r.expect_end("frame");
  if (!r.ok() || !(back == f)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t step = 1 + data[0] % 64;  // chunk size chosen by the input
  std::size_t mtu = 200 + data[1] * 8;  // for refragmenting decoded messages
  ByteView in(reinterpret_cast<const std::byte*>(data) + 2, size - 2);

  ReassemblyLimits limits;
  limits.max_partial_messages = 4;
  limits.max_buffered_bytes = 8192;
  Reassembler reassembler(limits);
  Deframer deframer(kDefaultMaxMessageSize);
  DecodeParams params;
  Millis now{0};

  for (std::size_t at = 0; at < in.size(); at += step) {
    auto fed = deframer.feed(in.subspan(at, std::min(step, in.size() - at)));
    if (deframer.buffered_bytes() > kDataFrameHeaderLength + kDefaultMaxMessageSize) std::abort();
    if (deframer.failed() && fed) std::abort();
    for (Frame& f : deframer.take_frames()) {
      check_frame_round_trip(f);
      auto* d = std::get_if<DataFrame>(&f);
      if (d == nullptr || d->truncated) continue;  // a receiver refuses it (length > max)
      now += Millis{1000};
      auto whole = reassembler.add(d->message, now);
      if (reassembler.partial_messages() > limits.max_partial_messages) std::abort();
      if (reassembler.buffered_bytes() > limits.max_buffered_bytes) std::abort();
      if (!whole || !whole->has_value()) continue;
      Reader r(**whole);
      ForwardingHeader h = decode_forwarding_header(r);
      if (!r.ok() || h.is_fragment()) std::abort();
      params.overlay = h.overlay;
      auto m = decode_message(**whole, params);
      if (!m) continue;
      auto pieces = fragment_message(**whole, mtu);
      if (!pieces) std::abort();
      Reassembler again;
      std::optional<Bytes> back;
      for (const Bytes& p : *pieces) {
        auto res = again.add(p, Millis{0});
        if (!res) std::abort();
        if (res->has_value()) back = std::move(**res);
      }
      // Fragmenting drops the reserved fragment bits (SHOULD be zero, ignored on receipt).
      Bytes expected = **whole;
      if (pieces->size() > 1) {
        for (std::size_t i = 0; i < 4; ++i) expected[12 + i] = std::byte{0};
        expected[12] = std::byte{0xc0};
      }
      if (!back || *back != expected) std::abort();
    }
    if (!fed) break;
  }
  return 0;
}
