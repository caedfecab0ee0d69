#include "overlay/peer/transactions.h"

#include <algorithm>

namespace p2psip::peer {

std::optional<Transaction> TransactionTable::take(std::uint64_t id) {
  auto it = txs_.find(id);
  if (it == txs_.end()) return std::nullopt;
  Transaction tx = std::move(it->second);
  txs_.erase(it);
  return tx;
}

Transaction* TransactionTable::find(std::uint64_t id) {
  auto it = txs_.find(id);
  return it == txs_.end() ? nullptr : &it->second;
}

std::vector<std::uint64_t> TransactionTable::due(Millis now) const {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, tx] : txs_) {
    if (tx.next_send <= now) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<Millis> TransactionTable::next_deadline() const {
  std::optional<Millis> best;
  for (const auto& [id, tx] : txs_) {
    if (!best || tx.next_send < *best) best = tx.next_send;
  }
  return best;
}

bool TransactionTable::any(TxPurpose p) const {
  return std::any_of(txs_.begin(), txs_.end(),
                     [&](const auto& e) { return e.second.info.purpose == p; });
}

void AnswerCache::put(Millis expires, std::uint64_t txid, Bytes bytes, wire::Destination first) {
  if (entries_.size() >= kMaxEntries && !order_.empty()) {
    entries_.erase(order_.front().second);
    order_.pop_front();
  }
  if (entries_.count(txid)) return;
  entries_.emplace(txid, Entry{std::move(bytes), std::move(first)});
  order_.emplace_back(expires, txid);
}

const AnswerCache::Entry* AnswerCache::find(std::uint64_t txid) const {
  auto it = entries_.find(txid);
  return it == entries_.end() ? nullptr : &it->second;
}

void AnswerCache::expire(Millis now) {
  while (!order_.empty() && order_.front().first <= now) {
    entries_.erase(order_.front().second);
    order_.pop_front();
  }
}

std::optional<Millis> AnswerCache::next_deadline() const {
  if (order_.empty()) return std::nullopt;
  return order_.front().first;
}

}  // namespace p2psip::peer
