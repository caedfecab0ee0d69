#pragma once
// The one bounds-checked reader every decoder uses. Errors are sticky: the first failed read
// records a WireError, and every later read returns zero/empty without touching memory, so
// decoders read a whole structure and check ok() once (and before any allocation that
// depends on a length they read, which read_bytes() does for them).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "overlay/wire/errors.h"

namespace p2psip::wire {

class Reader {
 public:
  explicit Reader(ByteView data, std::size_t base_offset = 0)
      : data_(data), base_(base_offset) {}

  bool ok() const { return !error_; }
  const std::optional<WireError>& error() const { return error_; }
  std::size_t remaining() const { return ok() ? data_.size() - pos_ : 0; }
  bool empty() const { return remaining() == 0; }
  std::size_t offset() const { return base_ + pos_; }  // absolute, for error reports

  std::uint8_t u8(const char* what);
  std::uint16_t u16(const char* what);
  std::uint32_t u24(const char* what);
  std::uint32_t u32(const char* what);
  std::uint64_t u64(const char* what);
  // Exactly n bytes (fixed-size arrays such as NodeId). Empty view on failure.
  ByteView view(std::size_t n, const char* what);
  Bytes bytes(std::size_t n, const char* what);

  // A variable-length field: a big-endian length of `len_bytes` (1..4) then that many bytes,
  // at most `max_len`. Returns a Reader over the body; the body is consumed from this reader.
  Reader sub(int len_bytes, std::size_t max_len, const char* what);
  // opaque<0..2^(8*len_bytes)-1> copied out.
  Bytes opaque(int len_bytes, std::size_t max_len, const char* what);
  std::string opaque_string(int len_bytes, std::size_t max_len, const char* what);

  // Records a failure found by the decoder itself (a bad enum value, say).
  void fail(DecodeFailure f, const char* what,
            std::uint16_t reload_code = errc::kInvalidMessage);
  // Fails with kTrailingBytes if anything is left (call at the end of a nested body).
  void expect_end(const char* what);
  // Propagates a nested reader's error into this one.
  void absorb(const Reader& nested);

 private:
  bool need(std::size_t n, const char* what);
  std::uint64_t be(int n, const char* what);

  ByteView data_;
  std::size_t pos_ = 0;
  std::size_t base_ = 0;
  std::optional<WireError> error_;
};

}  // namespace p2psip::wire
