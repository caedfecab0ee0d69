#include "overlay/wire/writer.h"

namespace p2psip::wire {

void Writer::be(std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}

void Writer::u24(std::uint32_t v) {
  if (v > 0xffffff) ok_ = false;
  be(v, 3);
}

Writer::Mark Writer::begin(int len_bytes, std::size_t max_len) {
  Mark m{out_.size(), len_bytes, max_len};
  be(0, len_bytes);
  return m;
}

void Writer::end(const Mark& m) {
  std::size_t len = out_.size() - m.length_at - static_cast<std::size_t>(m.len_bytes);
  std::size_t field_max = (std::uint64_t{1} << (8 * m.len_bytes)) - 1;
  if (len > m.max_len || len > field_max) {
    ok_ = false;
    return;
  }
  for (int i = 0; i < m.len_bytes; ++i) {
    out_[m.length_at + static_cast<std::size_t>(i)] =
        static_cast<std::byte>((len >> (8 * (m.len_bytes - 1 - i))) & 0xff);
  }
}

void Writer::opaque(int len_bytes, std::size_t max_len, ByteView b) {
  Mark m = begin(len_bytes, max_len);
  raw(b);
  end(m);
}

void Writer::patch_u32(std::size_t at, std::uint32_t v) {
  if (at + 4 > out_.size()) {
    ok_ = false;
    return;
  }
  for (int i = 0; i < 4; ++i) out_[at + static_cast<std::size_t>(i)] = static_cast<std::byte>((v >> (8 * (3 - i))) & 0xff);
}

}  // namespace p2psip::wire
