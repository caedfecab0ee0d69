#include "overlay/storage/signer_ids.h"

#include <algorithm>
#include <array>

namespace p2psip::storage {

namespace {

bool is_key(const wire::NodeId& id, ByteView key) {
  return key.size() == id.bytes().size() && std::equal(key.begin(), key.end(), id.bytes().begin());
}

}  // namespace

SignerIds::SignerIds(const std::vector<wire::NodeId>& ids, ByteView key) {
  if (ids.size() != 1 || !is_key(ids.front(), key)) {
    ids_ = std::make_unique<std::vector<wire::NodeId>>(ids);
  }
}

SignerIds::SignerIds(const SignerIds& other)
    : ids_(other.ids_ ? std::make_unique<std::vector<wire::NodeId>>(*other.ids_) : nullptr) {}

SignerIds& SignerIds::operator=(const SignerIds& other) {
  if (this != &other) *this = SignerIds(other);  // the copy constructor's deep copy, moved in
  return *this;
}

bool SignerIds::any_listed(const std::function<bool(const wire::NodeId&)>& listed,
                           ByteView key) const {
  if (ids_) return std::any_of(ids_->begin(), ids_->end(), listed);
  wire::NodeId::Array id{};
  if (key.size() != id.size()) return false;  // cannot happen: checked when made
  std::copy(key.begin(), key.end(), id.begin());
  return listed(wire::NodeId(id));
}

bool operator==(const SignerIds& a, const SignerIds& b) {
  if (!a.ids_ || !b.ids_) return !a.ids_ && !b.ids_;
  return *a.ids_ == *b.ids_;
}

}  // namespace p2psip::storage
