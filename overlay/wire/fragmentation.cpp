#include "overlay/wire/fragmentation.h"

#include <algorithm>

namespace p2psip::wire {

namespace {

WireError frag_error(DecodeFailure f, const char* what,
                     std::uint16_t code = errc::kInvalidMessage) {
  return WireError{f, 12, what, code};
}

struct Split {
  ForwardingHeader header;
  std::size_t header_length = 0;
  ByteView payload;
};

Expected<Split, WireError> split(ByteView message) {
  Reader r(message);
  Split s;
  s.header = decode_forwarding_header(r);
  if (!r.ok()) return unexpected(*r.error());
  s.header_length = message.size() - r.remaining();
  s.payload = message.subspan(s.header_length);
  return s;
}

}  // namespace

Expected<std::vector<Bytes>, WireError> fragment_message(ByteView message, std::size_t mtu) {
  auto s = split(message);
  if (!s) return unexpected(s.error());
  std::size_t limit = mtu > kFragmentHeadroom ? mtu - kFragmentHeadroom : 0;
  if (message.size() <= limit || limit < s->header_length + kMinFragmentPayload) {
    return std::vector<Bytes>{Bytes(message.begin(), message.end())};
  }
  std::size_t budget = limit - s->header_length;
  std::size_t total = s->payload.size();
  std::size_t count = (total + budget - 1) / budget;
  std::size_t chunk = (total + count - 1) / count;  // equal-sized slices
  std::size_t base = s->header.fragment_offset();
  if (base + total > kFragmentOffsetMask + 1) {
    return unexpected(frag_error(DecodeFailure::kTooLarge, "fragment offset overflows"));
  }
  std::vector<Bytes> out;
  for (std::size_t at = 0; at < total; at += chunk) {
    std::size_t n = std::min(chunk, total - at);
    ForwardingHeader h = s->header;
    bool last = at + n == total && s->header.is_last_fragment();
    h.fragment = kFragmentHighBit | (last ? kFragmentLastBit : 0) |
                 static_cast<std::uint32_t>(base + at);
    auto piece = encode_forwarded(h, s->payload.subspan(at, n));
    if (!piece) return unexpected(piece.error());
    out.push_back(std::move(*piece));
  }
  return out;
}

Expected<std::optional<Bytes>, WireError> Reassembler::add(ByteView fragment, Millis now,
                                                           ByteView source) {
  expire(now);
  auto s = split(fragment);
  if (!s) return unexpected(s.error());
  const ForwardingHeader& h = s->header;
  if (!h.is_fragment()) return std::optional<Bytes>(Bytes(fragment.begin(), fragment.end()));
  Key key{Bytes(source.begin(), source.end()), h.transaction_id};
  auto it = partials_.find(key);
  if (it == partials_.end()) {
    if (partials_.size() >= limits_.max_partial_messages) {
      return unexpected(frag_error(DecodeFailure::kTooLarge, "too many partial messages"));
    }
    if (partials_of(key.first) >= limits_.max_partials_per_source) {
      return unexpected(frag_error(DecodeFailure::kTooLarge, "too many partials from one source"));
    }
    Partial p;
    p.first_seen = now;
    p.overlay = h.overlay;
    it = partials_.emplace(key, std::move(p)).first;
  }
  auto result = insert(it->second, h, s->payload);
  if (!result || result->has_value()) drop(key);
  return result;
}

Expected<std::optional<Bytes>, WireError> Reassembler::insert(Partial& p,
                                                              const ForwardingHeader& h,
                                                              ByteView slice) {
  std::size_t offset = h.fragment_offset();
  std::size_t end = offset + slice.size();
  if (h.overlay != p.overlay) {
    return unexpected(frag_error(DecodeFailure::kBadValue, "fragments of two overlays"));
  }
  if (end > limits_.max_message_size) {
    return unexpected(frag_error(DecodeFailure::kTooLarge, "reassembled message too large",
                                 errc::kMessageTooLarge));
  }
  if (h.is_last_fragment()) {
    if (p.total && *p.total != end) {
      return unexpected(frag_error(DecodeFailure::kBadValue, "two different last fragments"));
    }
    p.total = end;
  }
  if (p.total && (end > *p.total || (p.pieces.rbegin() != p.pieces.rend() &&
                                     p.pieces.rbegin()->first +
                                             p.pieces.rbegin()->second.size() > *p.total))) {
    return unexpected(frag_error(DecodeFailure::kBadValue, "fragment beyond the last one"));
  }
  auto same = p.pieces.find(offset);
  if (same != p.pieces.end() && std::equal(same->second.begin(), same->second.end(),
                                           slice.begin(), slice.end())) {
    return std::optional<Bytes>();  // a retransmitted duplicate
  }
  auto next = p.pieces.lower_bound(offset);
  bool overlaps = (next != p.pieces.end() && next->first < end) ||
                  (next != p.pieces.begin() &&
                   std::prev(next)->first + std::prev(next)->second.size() > offset);
  if (overlaps) {
    return unexpected(frag_error(DecodeFailure::kBadValue, "overlapping fragments"));
  }
  if (buffered_ + slice.size() > limits_.max_buffered_bytes) {
    return unexpected(frag_error(DecodeFailure::kTooLarge, "reassembly buffer full"));
  }
  if (offset == 0) p.first_header = h;
  p.pieces.emplace(offset, Bytes(slice.begin(), slice.end()));
  p.bytes += slice.size();
  buffered_ += slice.size();
  return try_complete(p);
}

Expected<std::optional<Bytes>, WireError> Reassembler::try_complete(const Partial& p) const {
  // Slices never overlap and all lie below total, so equal byte counts mean full coverage.
  if (!p.total || !p.first_header || p.bytes != *p.total) return std::optional<Bytes>();
  Bytes payload;
  payload.reserve(*p.total);
  for (const auto& piece : p.pieces) {
    payload.insert(payload.end(), piece.second.begin(), piece.second.end());
  }
  ForwardingHeader h = *p.first_header;
  h.fragment = kFragmentUnfragmented;
  auto whole = encode_forwarded(h, payload);
  if (!whole || whole->size() > limits_.max_message_size) {
    return unexpected(frag_error(DecodeFailure::kTooLarge, "reassembled message too large",
                                 errc::kMessageTooLarge));
  }
  return std::optional<Bytes>(std::move(*whole));
}

std::size_t Reassembler::partials_of(const Bytes& source) const {
  auto from = partials_.lower_bound(Key{source, 0});
  std::size_t n = 0;
  for (auto it = from; it != partials_.end() && it->first.first == source; ++it) ++n;
  return n;
}

void Reassembler::drop(const Key& key) {
  auto it = partials_.find(key);
  if (it == partials_.end()) return;
  buffered_ -= it->second.bytes;
  partials_.erase(it);
}

void Reassembler::expire(Millis now) {
  for (auto it = partials_.begin(); it != partials_.end();) {
    if (now - it->second.first_seen >= limits_.timeout) {
      buffered_ -= it->second.bytes;
      it = partials_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace p2psip::wire
