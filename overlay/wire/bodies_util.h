#pragma once
// Small codec helpers shared by the method bodies (bodies_*.cpp, storage_types.cpp,
// chord_update.cpp, sip_registration.cpp): length-prefixed lists with a count cap.

#include <cstddef>
#include <vector>

#include "overlay/wire/errors.h"
#include "overlay/wire/reader.h"
#include "overlay/wire/writer.h"

namespace p2psip::wire {

// Reads entries with `one(body)` until `body` is exhausted, at most `cap` of them (the cap is
// checked before each entry is allocated). Each entry must consume at least one byte.
template <class T, class F>
std::vector<T> decode_until_end(Reader& body, std::size_t cap, const char* what, F&& one) {
  std::vector<T> out;
  while (body.ok() && !body.empty()) {
    if (out.size() == cap) {
      body.fail(DecodeFailure::kTooLarge, what);
      break;
    }
    out.push_back(one(body));
  }
  return out;
}

// A vector<min..max> of T with a `len_bytes` length prefix: the body must be consumed exactly
// by whole entries.
template <class T, class F>
std::vector<T> decode_list(Reader& r, int len_bytes, std::size_t max_len, std::size_t cap,
                           const char* what, F&& one) {
  Reader body = r.sub(len_bytes, max_len, what);
  std::vector<T> out = decode_until_end<T>(body, cap, what, one);
  r.absorb(body);
  return out;
}

// Writes `items` with `one(w, item)` inside a `len_bytes` length prefix. Fails the writer when
// there are more than `cap` items or the body exceeds `max_len`.
template <class T, class F>
void encode_list(Writer& w, int len_bytes, std::size_t max_len, std::size_t cap,
                 const std::vector<T>& items, F&& one) {
  if (items.size() > cap) w.fail();
  Writer::Mark m = w.begin(len_bytes, max_len);
  for (const T& item : items) one(w, item);
  w.end(m);
}

}  // namespace p2psip::wire
