#pragma once
// The framing header of TLS-TCP-FH-NO-ICE links (RFC 6940 §6.6.2):
//
//   data(128): uint8 type, uint32 sequence, opaque message<0..2^24-1>
//   ack(129):  uint8 type, uint32 ack_sequence, uint32 received
//
// and a Deframer that turns an arbitrary chunking of the TCP byte stream back into frames.
// A frame type other than data/ack puts the Deframer into a failed state for good: the link
// must be closed, since the stream can no longer be resynchronised. A data frame longer than
// the maximum message size is not a framing error (RFC 6940 §6.3.3.1 has the request answered
// with Error_Message_Too_Large, and the link stays usable): the Deframer keeps only its first
// max_message_size bytes (enough for the forwarding header and the message code), hands them
// on as a DataFrame with `truncated` set, and discards the rest of the frame as it arrives,
// so it never buffers more than one maximum-size frame.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/errors.h"
#include "overlay/wire/forwarding_header.h"
#include "overlay/wire/reader.h"
#include "overlay/wire/writer.h"

namespace p2psip::wire {

enum class FramedMessageType : std::uint8_t { kData = 128, kAck = 129 };

inline constexpr std::size_t kMaxFramedMessageLength = 0xffffff;  // opaque<0..2^24-1>
inline constexpr std::size_t kDataFrameHeaderLength = 8;           // type, sequence, length
inline constexpr std::size_t kAckFrameLength = 9;                  // type, ack_seq, received

struct DataFrame {
  std::uint32_t sequence = 0;
  Bytes message;  // one encoded RELOAD message (or fragment)
  // The frame was longer than the max message size: `message` holds its first bytes only.
  bool truncated = false;
  friend bool operator==(const DataFrame&, const DataFrame&) = default;
};

struct AckFrame {
  std::uint32_t ack_sequence = 0;
  std::uint32_t received = 0;  // bit i set: packet ack_sequence-1-i was received (§6.6.3)
  friend bool operator==(const AckFrame&, const AckFrame&) = default;
};

using Frame = std::variant<DataFrame, AckFrame>;

void encode(Writer& w, const DataFrame& v);
void encode(Writer& w, const AckFrame& v);
void encode(Writer& w, const Frame& v);
// One frame, any message length up to the 24-bit field (no max-size policy here).
Frame decode_frame(Reader& r);

// Encodes a data frame around an already encoded message without copying it twice.
Expected<Bytes, WireError> encode_data_frame(std::uint32_t sequence, ByteView message);

class Deframer {
 public:
  explicit Deframer(std::size_t max_message_size = kDefaultMaxMessageSize)
      : max_message_size_(max_message_size) {}

  // Appends bytes from the stream and extracts every complete frame. Once an error is
  // returned, every later call returns the same error.
  Expected<void, WireError> feed(ByteView chunk);
  // Every complete frame extracted so far, oldest first; the Deframer keeps none of them.
  std::vector<Frame> take_frames();

  bool failed() const { return error_.has_value(); }
  std::size_t buffered_bytes() const { return buffer_.size(); }
  // Inside a frame: some of it buffered, or the tail of an oversized one still to discard.
  bool mid_frame() const { return !buffer_.empty() || skip_ > 0; }
  std::size_t skipped_bytes() const { return skipped_; }
  std::size_t pending_frames() const { return ready_.size(); }

 private:
  // Parses one frame at the front of buffer_; false if more bytes are needed or on error.
  bool extract_one(std::size_t& consumed);
  // Discards the rest of an oversized frame; false while more of it is still to come.
  bool skip_tail(ByteView rest, std::size_t& consumed);

  std::size_t max_message_size_;
  Bytes buffer_;  // never more than one incomplete frame
  std::vector<Frame> ready_;
  std::optional<WireError> error_;
  std::size_t stream_offset_ = 0;  // bytes consumed so far, for error offsets
  std::size_t skip_ = 0;           // bytes of an oversized frame still to discard
  std::size_t skipped_ = 0;        // bytes discarded so far (all oversized frames)
};

}  // namespace p2psip::wire
