#pragma once
// The Node-IDs of a stored value's signer certificate (DataStore::Entry; RFC 6940 §11.1: a value
// signed by a certificate a newer configuration lists as bad-node is dropped), in 8 bytes.
// A SIP registration's signer usually has one Node-ID and it is the value's dictionary key
// (USER-NODE-MATCH, RFC 7904 §3.3): that case holds nothing and keeps no heap block. A vector
// there cost ~50 B per stored registration (bench/storage/storage_memory: 898 B each at
// 1,000,000 against the 850 B issue 18 holds the store to).

#include <functional>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "overlay/wire/ids.h"

namespace p2psip::storage {

class SignerIds {
 public:
  SignerIds() : ids_(std::make_unique<std::vector<wire::NodeId>>()) {}
  // `key`: the key the value is stored under (its dictionary key; for other models any key).
  SignerIds(const std::vector<wire::NodeId>& ids, ByteView key);
  SignerIds(const SignerIds& other);
  SignerIds& operator=(const SignerIds& other);
  SignerIds(SignerIds&&) noexcept = default;
  SignerIds& operator=(SignerIds&&) noexcept = default;

  // Whether one of the Node-IDs is `listed`; `key` as given to the constructor.
  bool any_listed(const std::function<bool(const wire::NodeId&)>& listed, ByteView key) const;
  // Held out of line (not the one-Node-ID-equal-to-key case): for tests.
  bool out_of_line() const { return ids_ != nullptr; }

  friend bool operator==(const SignerIds& a, const SignerIds& b);

 private:
  std::unique_ptr<std::vector<wire::NodeId>> ids_;  // null: exactly {the key}
};

}  // namespace p2psip::storage
