#include "overlay/wire/reader.h"

namespace p2psip::wire {

const char* to_string(DecodeFailure f) {
  switch (f) {
    case DecodeFailure::kTruncated: return "truncated";
    case DecodeFailure::kTrailingBytes: return "trailing bytes";
    case DecodeFailure::kTooLarge: return "too large";
    case DecodeFailure::kBadValue: return "bad value";
    case DecodeFailure::kUnknownCritical: return "unknown critical option";
    case DecodeFailure::kWrongOverlay: return "wrong overlay";
  }
  return "unknown";
}

void Reader::fail(DecodeFailure f, const char* what, std::uint16_t reload_code) {
  if (!error_) error_ = WireError{f, offset(), what, reload_code};
}

bool Reader::need(std::size_t n, const char* what) {
  if (!ok()) return false;
  if (n > data_.size() - pos_) {
    fail(DecodeFailure::kTruncated, what);
    return false;
  }
  return true;
}

std::uint64_t Reader::be(int n, const char* what) {
  if (!need(static_cast<std::size_t>(n), what)) return 0;
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | std::to_integer<std::uint8_t>(data_[pos_++]);
  return v;
}

std::uint8_t Reader::u8(const char* what) { return static_cast<std::uint8_t>(be(1, what)); }
std::uint16_t Reader::u16(const char* what) { return static_cast<std::uint16_t>(be(2, what)); }
std::uint32_t Reader::u24(const char* what) { return static_cast<std::uint32_t>(be(3, what)); }
std::uint32_t Reader::u32(const char* what) { return static_cast<std::uint32_t>(be(4, what)); }
std::uint64_t Reader::u64(const char* what) { return be(8, what); }

ByteView Reader::view(std::size_t n, const char* what) {
  if (!need(n, what)) return {};
  ByteView v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

Bytes Reader::bytes(std::size_t n, const char* what) {
  ByteView v = view(n, what);
  return Bytes(v.begin(), v.end());
}

Reader Reader::sub(int len_bytes, std::size_t max_len, const char* what) {
  std::size_t len = static_cast<std::size_t>(be(len_bytes, what));
  if (ok() && len > max_len) fail(DecodeFailure::kTooLarge, what);
  std::size_t start = offset();
  ByteView body = view(len, what);
  Reader nested(body, start);
  if (!ok()) nested.error_ = error_;
  return nested;
}

Bytes Reader::opaque(int len_bytes, std::size_t max_len, const char* what) {
  Reader body = sub(len_bytes, max_len, what);
  return body.ok() ? Bytes(body.data_.begin(), body.data_.end()) : Bytes{};
}

std::string Reader::opaque_string(int len_bytes, std::size_t max_len, const char* what) {
  Reader body = sub(len_bytes, max_len, what);
  return body.ok() ? p2psip::to_string(body.data_) : std::string{};
}

void Reader::expect_end(const char* what) {
  if (ok() && pos_ != data_.size()) fail(DecodeFailure::kTrailingBytes, what);
}

void Reader::absorb(const Reader& nested) {
  if (!error_ && nested.error_) error_ = nested.error_;
}

}  // namespace p2psip::wire
