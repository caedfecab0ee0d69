#include "overlay/peer/transactions.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "common/splitmix64.h"
#include "overlay/chord/ring.h"

namespace p2psip::peer {

std::uint64_t crypto_transaction_id() {
  std::uint64_t v = 0;
  auto* p = reinterpret_cast<unsigned char*>(&v);
  std::size_t got = 0;
  while (got < sizeof v) {
    ssize_t n = getrandom(p + got, sizeof v - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();  // no kernel randomness: predictable ids are worse than none
    got += static_cast<std::size_t>(n);
  }
  return v;
}

std::function<std::uint64_t()> seeded_transaction_ids(std::uint64_t seed) {
  return [rng = SplitMix64(seed)]() mutable { return rng.next(); };
}

AnswerFrom expected_answerer(const wire::Destination& last, TxPurpose) {
  auto point = chord::ring_point(last);
  if (!point) return AnswerFrom{NodeId{}, false, true};
  // Finger Attaches name their point as a Resource-ID (join) or the found node's Node-ID
  // (§10.7.4.2): the same two rules as any other request.
  return AnswerFrom{*point, !last.is_node(), false};
}

bool answer_acceptable(const AnswerFrom& expect, const NodeId& sender,
                       const chord::RoutingTable& table) {
  if (expect.any) return true;
  if (!expect.responsible) return sender == expect.point;
  chord::U128 d = chord::distance(expect.point, sender);
  auto closer = [&](const NodeId& n) { return chord::distance(expect.point, n) < d; };
  return std::none_of(table.predecessors().begin(), table.predecessors().end(), closer) &&
         std::none_of(table.successors().begin(), table.successors().end(), closer);
}

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
