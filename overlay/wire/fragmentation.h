#pragma once
// RELOAD fragmentation and reassembly (RFC 6940 §6.7).
//
// A fragment is a full copy of the forwarding header followed by a slice of the bytes that
// follow the header in the whole message (MessageContents + SecurityBlock). The fragment
// field carries the slice's offset (24 bits) and a last-fragment flag; length is the size of
// the fragment itself. Only the final destination reassembles, keyed by transaction_id.
//
// The Reassembler is pure: time comes in as a monotonic `now`. It bounds the number of
// partial messages (in all, and per source: one sender cannot take every slot) and the bytes
// they hold, times partials out (15 s by default, the maximum request lifetime), and drops a
// message whose fragments overlap inconsistently. Partials are keyed by source and
// transaction_id, so a sender cannot inject slices into another sender's message.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/expected.h"
#include "overlay/wire/errors.h"
#include "overlay/wire/forwarding_header.h"

namespace p2psip::wire {

inline constexpr std::size_t kFragmentHeadroom = 32;       // PMTU minus 32 (§6.7)
inline constexpr std::size_t kMinFragmentPayload = 256;    // at least 256 bytes of body each

// Splits `message` (one encoded message or fragment) so that every piece fits in
// `mtu - 32` bytes, in equal-sized slices. Returns the message unchanged when it fits or
// when the header leaves room for fewer than 256 payload bytes per fragment (then IP
// fragmentation is left to do the job, as §6.7 says).
Expected<std::vector<Bytes>, WireError> fragment_message(ByteView message, std::size_t mtu);

struct ReassemblyLimits {
  std::size_t max_message_size = kDefaultMaxMessageSize;  // of the reassembled message
  std::size_t max_partial_messages = 64;
  std::size_t max_partials_per_source = 8;
  std::size_t max_buffered_bytes = 256 * 1024;  // over all partial messages
  Millis timeout{15000};
};

class Reassembler {
 public:
  explicit Reassembler(ReassemblyLimits limits = {}) : limits_(limits) {}

  // Takes one received message or fragment (already accepted by parse_forwarding_header).
  // Returns the whole message (length patched, fragment = 0xC0000000) when it is complete,
  // nullopt while fragments are missing, or an error when the fragment, and with it the
  // partial message, is dropped.
  // `source` names the sender (e.g. the encoded Node-ID the message came from).
  Expected<std::optional<Bytes>, WireError> add(ByteView fragment, Millis now,
                                                ByteView source = {});
  // Drops partial messages older than the timeout.
  void expire(Millis now);

  std::size_t partial_messages() const { return partials_.size(); }
  std::size_t buffered_bytes() const { return buffered_; }

 private:
  using Key = std::pair<Bytes, std::uint64_t>;  // source, transaction_id
  struct Partial {
    Millis first_seen{0};
    std::optional<ForwardingHeader> first_header;  // from the offset-0 fragment
    std::uint32_t overlay = 0;
    std::map<std::size_t, Bytes> pieces;  // offset -> slice
    std::optional<std::size_t> total;     // known once the last fragment arrived
    std::size_t bytes = 0;
  };

  Expected<std::optional<Bytes>, WireError> insert(Partial& p, const ForwardingHeader& h,
                                                   ByteView slice);
  Expected<std::optional<Bytes>, WireError> try_complete(const Partial& p) const;
  void drop(const Key& key);
  std::size_t partials_of(const Bytes& source) const;

  ReassemblyLimits limits_;
  std::map<Key, Partial> partials_;
  std::size_t buffered_ = 0;
};

}  // namespace p2psip::wire
