#include "overlay/wire/framing.h"

#include <algorithm>

namespace p2psip::wire {

void encode(Writer& w, const DataFrame& v) {
  w.u8(static_cast<std::uint8_t>(FramedMessageType::kData));
  w.u32(v.sequence);
  w.opaque(3, kMaxFramedMessageLength, v.message);
}

void encode(Writer& w, const AckFrame& v) {
  w.u8(static_cast<std::uint8_t>(FramedMessageType::kAck));
  w.u32(v.ack_sequence);
  w.u32(v.received);
}

void encode(Writer& w, const Frame& v) {
  std::visit([&w](const auto& f) { encode(w, f); }, v);
}

Frame decode_frame(Reader& r) {
  std::uint8_t type = r.u8("FramedMessage.type");
  if (type == static_cast<std::uint8_t>(FramedMessageType::kData)) {
    DataFrame d;
    d.sequence = r.u32("FramedMessage.sequence");
    d.message = r.opaque(3, kMaxFramedMessageLength, "FramedMessage.message");
    return d;
  }
  if (type == static_cast<std::uint8_t>(FramedMessageType::kAck)) {
    AckFrame a;
    a.ack_sequence = r.u32("FramedMessage.ack_sequence");
    a.received = r.u32("FramedMessage.received");
    return a;
  }
  if (r.ok()) r.fail(DecodeFailure::kBadValue, "FramedMessage.type");
  return AckFrame{};
}

Expected<Bytes, WireError> encode_data_frame(std::uint32_t sequence, ByteView message) {
  if (message.size() > kMaxFramedMessageLength) {
    return unexpected(WireError{DecodeFailure::kTooLarge, 0, "FramedMessage.message",
                                errc::kMessageTooLarge});
  }
  Writer w;
  w.u8(static_cast<std::uint8_t>(FramedMessageType::kData));
  w.u32(sequence);
  w.u24(static_cast<std::uint32_t>(message.size()));
  w.raw(message);
  return std::move(w).take();
}

Expected<void, WireError> Deframer::feed(ByteView chunk) {
  if (error_) return unexpected(*error_);
  buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
  std::size_t consumed = 0;
  while (extract_one(consumed)) {
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed));
  stream_offset_ += consumed;
  if (error_) {
    buffer_.clear();
    return unexpected(*error_);
  }
  return {};
}

bool Deframer::skip_tail(ByteView rest, std::size_t& consumed) {
  std::size_t n = std::min(skip_, rest.size());
  consumed += n;
  skip_ -= n;
  skipped_ += n;
  return skip_ == 0;
}

bool Deframer::extract_one(std::size_t& consumed) {
  ByteView rest = ByteView(buffer_).subspan(consumed);
  if (skip_ > 0) return skip_tail(rest, consumed);
  Reader r(rest, stream_offset_ + consumed);
  std::uint8_t type = r.u8("FramedMessage.type");
  if (!r.ok()) return false;  // nothing buffered
  std::size_t need = 0;
  if (type == static_cast<std::uint8_t>(FramedMessageType::kAck)) {
    need = kAckFrameLength;
  } else if (type == static_cast<std::uint8_t>(FramedMessageType::kData)) {
    std::uint32_t sequence = r.u32("FramedMessage.sequence");
    std::size_t len = r.u24("FramedMessage.message length");
    if (!r.ok()) return false;  // header incomplete
    if (len > max_message_size_) {
      // Oversized (see framing.h): keep the head, discard the tail as it streams in.
      std::size_t head = kDataFrameHeaderLength + max_message_size_;
      if (rest.size() < head) return false;
      DataFrame d;
      d.sequence = sequence;
      d.message.assign(rest.begin() + kDataFrameHeaderLength, rest.begin() + head);
      d.truncated = true;
      ready_.push_back(std::move(d));
      consumed += head;
      skip_ = len - max_message_size_;
      skip_tail(rest.subspan(head), consumed);
      return true;
    }
    need = kDataFrameHeaderLength + len;
  } else {
    error_ = WireError{DecodeFailure::kBadValue, stream_offset_ + consumed, "FramedMessage.type",
                       errc::kInvalidMessage};
    return false;
  }
  if (rest.size() < need) return false;
  Reader frame(rest.first(need), stream_offset_ + consumed);
  ready_.push_back(decode_frame(frame));
  consumed += need;
  return true;
}

std::vector<Frame> Deframer::take_frames() {
  std::vector<Frame> out;
  out.swap(ready_);
  return out;
}

}  // namespace p2psip::wire
