#pragma once
// Appends big-endian fields to a byte buffer. Variable-length vectors are opened with
// begin() and closed with end(), which back-patches the length; a body longer than its
// length field (or the cap given) makes the writer fail, and ok() reports it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"

namespace p2psip::wire {

class Writer {
 public:
  struct Mark {
    std::size_t length_at;
    int len_bytes;
    std::size_t max_len;
  };

  bool ok() const { return ok_; }
  const Bytes& bytes() const& { return out_; }
  Bytes take() && { return std::move(out_); }
  std::size_t size() const { return out_.size(); }

  void u8(std::uint8_t v) { be(v, 1); }
  void u16(std::uint16_t v) { be(v, 2); }
  void u24(std::uint32_t v);
  void u32(std::uint32_t v) { be(v, 4); }
  void u64(std::uint64_t v) { be(v, 8); }
  void raw(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }

  Mark begin(int len_bytes, std::size_t max_len);
  void end(const Mark& m);
  void opaque(int len_bytes, std::size_t max_len, ByteView b);
  void opaque(int len_bytes, std::size_t max_len, std::string_view s) {
    opaque(len_bytes, max_len, as_bytes(s));
  }
  // Overwrites 4 bytes at `at` (ForwardingHeader.length once the message is complete).
  void patch_u32(std::size_t at, std::uint32_t v);
  void fail() { ok_ = false; }

 private:
  void be(std::uint64_t v, int n);

  Bytes out_;
  bool ok_ = true;
};

}  // namespace p2psip::wire
