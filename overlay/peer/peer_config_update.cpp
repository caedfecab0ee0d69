// PeerCore, configuration: the configuration_sequence check of a request's destination (RFC
// 6940 §6.3.2.1) and ConfigUpdate (§6.5.4), sent to a requester with an older document and
// handed to the ConfigurationHandler when received.
#include <string>

#include "overlay/peer/config_sequence.h"
#include "overlay/peer/peer_core.h"

namespace p2psip::peer {

namespace {

// At most one ConfigUpdate per node in this interval, and this many nodes remembered: a node
// that keeps sending old sequences cannot make us send documents in a loop.
constexpr Millis kConfigUpdateInterval{60000};
constexpr std::size_t kMaxConfigUpdateTargets = 256;

}  // namespace

void PeerCore::set_configuration(std::uint16_t sequence, Bytes document) {
  config_sequence_ = sequence;
  config_document_ = std::move(document);
}

// True when the message was answered here (a request with another sequence).
bool PeerCore::sequence_refused(Millis now, const NodeId& prev, const wire::Message& m,
                                const NodeId& sender) {
  const std::uint16_t theirs = m.header.configuration_sequence;
  if (config_sequence_ != kUncheckedSequence && config_handler_ &&
      sequence_newer(theirs, config_sequence_)) {
    config_handler_->newer_seen(now, theirs, sender);  // a request or an answer
  }
  if (!m.contents.is_request()) {
    // §6.5.4: "Whenever a node detects that another node has old configuration data, it MUST
    // generate a ConfigUpdate request": an answer with an older sequence (e.g. the
    // Error_Config_Too_New of a node we joined through) gets our document too.
    if (config_sequence_ != kUncheckedSequence && theirs != kUncheckedSequence &&
        sequence_newer(config_sequence_, theirs)) {
      send_config_update(now, prev, m.header, sender);
    }
    return false;
  }
  const std::string seqs =
      std::to_string(theirs) + " (ours " + std::to_string(config_sequence_) + ")";
  switch (check_configuration_sequence(config_sequence_, theirs, m.contents.message_code)) {
    case SequenceCheck::kAccept: return false;
    case SequenceCheck::kTooOld:
      ++counters_.config_too_old;
      answer_error(now, prev, m.header, wire::ErrorCode::kConfigTooOld,
                   "configuration sequence " + seqs + " is too old");
      // §6.3.2.1: "the node MUST generate a ConfigUpdate message to update the requesting node".
      send_config_update(now, prev, m.header, sender);
      return true;
    case SequenceCheck::kTooNew:
      ++counters_.config_too_new;
      answer_error(now, prev, m.header, wire::ErrorCode::kConfigTooNew,
                   "configuration sequence " + seqs + " is too new");
      return true;
  }
  return false;
}

// Along the request's reversed via list, as its answer goes: the requester need not be in the
// ring yet (a joining node) to be reached.
void PeerCore::send_config_update(Millis now, const NodeId& prev, const wire::ForwardingHeader& req,
                                  const NodeId& to) {
  if (config_document_.empty()) return;
  auto last = config_update_sent_.find(to);
  if (last != config_update_sent_.end() && now - last->second < kConfigUpdateInterval) return;
  if (last == config_update_sent_.end() && config_update_sent_.size() >= kMaxConfigUpdateTargets) {
    std::erase_if(config_update_sent_,
                  [&](const auto& e) { return now - e.second >= kConfigUpdateInterval; });
    if (config_update_sent_.size() >= kMaxConfigUpdateTargets) return;
  }
  config_update_sent_[to] = now;
  wire::ConfigUpdateReq update;
  update.type = wire::ConfigUpdateType::kConfig;
  update.config_data = config_document_;
  auto body = wire::encode_to_bytes(update);
  if (!body) return;
  std::vector<wire::Destination> dests{wire::Destination::node(prev)};
  for (auto it = req.via_list.rbegin(); it != req.via_list.rend(); ++it) dests.push_back(*it);
  if (!(dests.back().node_id() && *dests.back().node_id() == to)) {
    dests.push_back(wire::Destination::node(to));
  }
  ++counters_.config_updates_sent;
  originate(now, std::move(dests), wire::MessageCode::kConfigUpdateReq, std::move(*body),
            TxPurpose::kApp);
}

void PeerCore::handle_config_update(Millis now, const NodeId& prev, const wire::Message& m,
                                    const NodeId& from) {
  auto req = wire::decode_config_update_req(ByteView(m.contents.message_body));
  if (!req) {
    ++counters_.invalid_answered;
    return answer_error(now, prev, m.header, wire::ErrorCode::kInvalidMessage, "bad ConfigUpdate");
  }
  ConfigurationHandler::Verdict v;
  if (!config_handler_) {
    v.refused = wire::ErrorCode::kForbidden;
    v.why = "this node runs without a configuration document";
  } else if (!config_updates_received_.allow(now, from)) {
    // Before any signature check: that is the cost the limit bounds. The RFC has no error
    // for "too many"; Error_Forbidden says "not processed" (§6.5.4.2: "appropriate errors").
    ++counters_.config_updates_limited;
    v.refused = wire::ErrorCode::kForbidden;
    v.why = "too many ConfigUpdates from this node";
  } else if (req->type == wire::ConfigUpdateType::kKind) {
    v = config_handler_->kinds_offered(now, req->kinds, from);
  } else {
    v = config_handler_->offered(now, ByteView(req->config_data), from);
  }
  if (v.refused) {
    ++counters_.config_updates_refused;
    return answer_error(now, prev, m.header, *v.refused, v.why);
  }
  if (req->type == wire::ConfigUpdateType::kConfig) set_configuration(v.sequence, std::move(req->config_data));
  auto body = wire::encode_to_bytes(wire::ConfigUpdateAns{});
  if (body) answer_raw(now, prev, m.header, wire::MessageCode::kConfigUpdateAns, std::move(*body), false);
}

}  // namespace p2psip::peer
