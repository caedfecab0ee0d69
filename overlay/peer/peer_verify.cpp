// PeerCore, a delivered message once its signature is judged (RFC 6940 §6.3.4): at once, or,
// with PeerConfig::deferred_verification, after the driver ran the VerifySignature check off
// its event loop (a P-256 verification costs ~0.3 ms, bench/RESULTS-security.md) and called
// on_verified. The core only keeps the decoded message meanwhile, at most
// kMaxPendingVerifications of them. With PeerConfig::share_answers, the action also carries a
// copy of an answer to our send_request for the driver's after-verification hook.
#include "overlay/peer/peer_core.h"

namespace p2psip::peer {

void PeerCore::defer_verification(const NodeId& prev_hop, wire::Message m) {
  if (verifying_.size() >= kMaxPendingVerifications) {
    ++counters_.verify_queue_full;
    return;
  }
  SignatureCheck check = signer_.verification(m);
  std::shared_ptr<const AnswerToRequest> answer;
  if (config_.share_answers && !m.contents.is_request()) {
    // Answers to send_request only (kApp: the usage and storage layers' requests, not the
    // ring's own Join/Update/Attach/Ping); the copy is what the driver's thread may read.
    const Transaction* tx = txs_.find(m.header.transaction_id);
    if (tx && tx->info.purpose == TxPurpose::kApp) {
      answer = std::make_shared<const AnswerToRequest>(AnswerToRequest{tx->last, m});
    }
  }
  std::uint64_t id = ++last_verification_;
  verifying_.emplace(id, AwaitingSignature{prev_hop, std::move(m)});
  push(VerifySignature{id, std::make_shared<const SignatureCheck>(std::move(check)),
                       std::move(answer)});
}

void PeerCore::on_verified(Millis now, std::uint64_t id, std::optional<NodeId> signer) {
  auto it = verifying_.find(id);
  if (it == verifying_.end()) return;
  AwaitingSignature waiting = std::move(it->second);
  verifying_.erase(it);
  delivered(now, waiting.prev_hop, waiting.message, signer);
  on_timer(now);
}

void PeerCore::delivered(Millis now, const NodeId& prev_hop, const wire::Message& m,
                         const std::optional<NodeId>& sender) {
  if (!sender) {
    ++counters_.bad_signature;
    if (m.contents.is_request()) {
      answer_error(now, prev_hop, m.header, wire::ErrorCode::kForbidden, "bad signature");
    }
    return;
  }
  ++counters_.received[PeerCounters::slot(m.contents.message_code)];
  if (sequence_refused(now, prev_hop, m, *sender)) return;
  if (m.contents.is_request()) {
    on_request(now, prev_hop, m, *sender);
  } else {
    on_answer(now, m, *sender);
  }
}

}  // namespace p2psip::peer
