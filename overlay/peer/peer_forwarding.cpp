// PeerCore, message path: receipt, forwarding with via lists and TTL (RFC 6940 §6.1, §6.2,
// §6.3.2), local delivery, answers along the reversed via list, originated transactions.
#include <algorithm>

#include "overlay/peer/config_sequence.h"
#include "overlay/peer/peer_core.h"
#include "overlay/wire/bodies.h"

namespace p2psip::peer {
namespace {

// The message code at the start of MessageContents, if present.
std::optional<std::uint16_t> peek_code(ByteView payload) {
  if (payload.size() < 2) return std::nullopt;
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(payload[0]) << 8) |
                                    std::to_integer<unsigned>(payload[1]));
}

bool is_request_code(std::optional<std::uint16_t> c) {
  return c && *c != 0xffff && (*c & 1) == 1;
}

}  // namespace

void PeerCore::receive(Millis now, const NodeId& prev_hop, ByteView bytes, bool unsigned_local) {
  auto ph = wire::parse_forwarding_header(bytes, params_);
  if (!ph) {
    // Is the structure at least readable? Then a request gets its error answer.
    wire::Reader r(bytes);
    wire::ForwardingHeader h = wire::decode_forwarding_header(r);
    ByteView payload = r.ok() ? bytes.subspan(bytes.size() - r.remaining()) : ByteView{};
    if (r.ok() && is_request_code(peek_code(payload))) {
      ++counters_.invalid_answered;
      answer_error(now, prev_hop, h, static_cast<wire::ErrorCode>(ph.error().reload_code),
                   ph.error().what);
    } else {
      ++counters_.dropped_malformed;
    }
    return;
  }
  wire::ForwardingHeader& h = ph->header;
  bool is_req = is_request_code(peek_code(ph->payload));
  auto& dl = h.destination_list;
  auto is_self = [&](const wire::Destination& d) {
    return d.node_id() && *d.node_id() == config_.node_id;
  };
  while (dl.size() > 1 && is_self(dl.front())) dl.erase(dl.begin());
  if (dl.empty()) {
    ++counters_.invalid_answered;
    if (is_req) answer_error(now, prev_hop, h, wire::ErrorCode::kInvalidMessage, "no destination");
    return;
  }
  auto point = chord::ring_point(dl.front());
  if (!point) {
    ++counters_.unroutable;
    if (is_req) answer_error(now, prev_hop, h, wire::ErrorCode::kNotFound, "opaque destination");
    return;
  }
  bool direct = dl.front().is_node() && conns_.count(*point) != 0;
  if (is_self(dl.front())) return deliver(now, prev_hop, bytes, h, unsigned_local);
  if (!direct && in_ring() && table_.is_responsible(*point)) {
    // §6.1.1: a Node-ID in our range that is neither us nor directly connected: "the node
    // MUST drop the message silently".
    if (dl.front().is_node()) {
      ++counters_.unroutable;
      return;
    }
    if (dl.size() == 1) return deliver(now, prev_hop, bytes, h, unsigned_local);
  }
  if (unsigned_local) {  // built for the loopback, but it leaves after all: signed first
    Bytes sealed = seal(bytes);
    if (!sealed.empty()) receive(now, prev_hop, sealed);
    return;
  }
  forward(now, prev_hop, std::move(h), ph->payload, is_req);
}

void PeerCore::forward(Millis now, const NodeId& prev_hop, wire::ForwardingHeader h,
                       ByteView payload, bool is_req) {
  if (h.ttl == 0) {
    ++counters_.ttl_exceeded;
    if (is_req) answer_error(now, prev_hop, h, wire::ErrorCode::kTtlExceeded, "TTL exceeded");
    return;
  }
  if (is_req) {
    bool loop = std::any_of(h.via_list.begin(), h.via_list.end(), [&](const auto& d) {
      return d.node_id() && *d.node_id() == config_.node_id;
    });
    if (loop) {
      ++counters_.loops;
      answer_error(now, prev_hop, h, wire::ErrorCode::kNotFound, "routing loop");
      return;
    }
    if (prev_hop != config_.node_id) h.via_list.push_back(wire::Destination::node(prev_hop));
  }
  auto link = route_link(h.destination_list.front());
  if (!link) {
    ++counters_.unroutable;
    if (is_req) answer_error(now, prev_hop, h, wire::ErrorCode::kNotFound, "no route");
    return;
  }
  h.ttl = static_cast<std::uint8_t>(h.ttl - 1);
  auto out = wire::encode_forwarded(h, payload);
  if (!out || out->size() > config_.max_message_size) {
    if (is_req) answer_error(now, prev_hop, h, wire::ErrorCode::kMessageTooLarge, "too large");
    return;
  }
  ++counters_.forwarded;
  push(SendOnLink{*link, std::move(*out)});
}

void PeerCore::deliver(Millis now, const NodeId& prev_hop, ByteView bytes,
                       const wire::ForwardingHeader& h, bool unsigned_local) {
  Bytes whole;
  if (h.is_fragment()) {
    // §6.7: "only the final destination reassembles the fragments".
    auto done = reassembler_.add(bytes, now, prev_hop.bytes());
    if (!done) ++counters_.dropped_malformed;
    if (!done || !done->has_value()) return;
    whole = std::move(**done);
    bytes = whole;
  }
  wire::DecodeParams p = params_;
  p.option_role = wire::ProcessingRole::kResponding;
  auto m = wire::decode_message(bytes, p);
  if (!m) {
    wire::Reader r(bytes);
    (void)wire::decode_forwarding_header(r);
    bool is_req = r.ok() && is_request_code(peek_code(bytes.subspan(bytes.size() - r.remaining())));
    if (is_req) {
      ++counters_.invalid_answered;
      answer_error(now, prev_hop, h, static_cast<wire::ErrorCode>(m.error().reload_code),
                   m.error().what);
    } else {
      ++counters_.dropped_malformed;
    }
    return;
  }
  if (unsigned_local) {  // our own unsigned message (peer_in_process.cpp): this node sent it
    ++counters_.in_process;
    return delivered(now, prev_hop, *m, config_.node_id);
  }
  if (config_.deferred_verification) return defer_verification(prev_hop, std::move(*m));
  delivered(now, prev_hop, *m, signer_.verify(*m));
}

void PeerCore::answer_error(Millis now, const NodeId& prev_hop, const wire::ForwardingHeader& req,
                            wire::ErrorCode code, std::string_view text) {
  auto body = wire::encode_to_bytes(wire::ErrorResponse::make(code, text));
  if (!body) return;
  answer_raw(now, prev_hop, req, wire::MessageCode::kError, std::move(*body), false);
}

void PeerCore::answer_raw(Millis now, const NodeId& prev_hop, const wire::ForwardingHeader& req,
                          wire::MessageCode code, Bytes body, bool cache,
                          std::vector<wire::GenericCertificate> certs) {
  wire::ForwardingHeader h;
  h.overlay = config_.overlay;
  h.transaction_id = req.transaction_id;
  h.destination_list.push_back(wire::Destination::node(prev_hop));
  for (auto it = req.via_list.rbegin(); it != req.via_list.rend(); ++it) {
    h.destination_list.push_back(*it);
  }
  // An answer to ourselves stays in the process: unsigned (peer_in_process.cpp).
  bool local = is_own(h.destination_list.front());
  Bytes out = build(h, code, std::move(body), std::move(certs), {}, local);
  // §6.3.2: a non-zero max_response_length bounds the response; one that would exceed it is
  // replaced by Error_Response_Too_Large (§6.3.3.1), itself sent whatever its size. (§6.3.2
  // also names Error_Incompatible_with_Overlay here; we use the code made for it.)
  if (req.max_response_length != 0 && out.size() > req.max_response_length &&
      code != wire::MessageCode::kError) {
    auto error = wire::encode_to_bytes(wire::ErrorResponse::make(
        wire::ErrorCode::kResponseTooLarge, "response larger than max_response_length"));
    if (!error) return;
    out = build(h, wire::MessageCode::kError, std::move(*error), {}, {}, local);
    cache = false;
  }
  if (out.empty()) return;
  if (cache) answers_.put(now + config_.request_lifetime, req.transaction_id, out,
                          h.destination_list.front());
  send_bytes(now, h.destination_list.front(), std::move(out), local);
}

Bytes PeerCore::build(const wire::ForwardingHeader& h, wire::MessageCode code, Bytes body,
                      std::vector<wire::GenericCertificate> certs, const RequestSigner& signer,
                      bool unsigned_local) {
  wire::Message m;
  m.header = h;
  // §6.3.2.1: our configuration's sequence; a ConfigUpdate carries 65535, which its receiver
  // accepts whatever its own sequence.
  m.header.configuration_sequence =
      code == wire::MessageCode::kConfigUpdateReq ? kConfigUpdateSequence : config_sequence_;
  m.contents.message_code = wire::to_u16(code);
  m.contents.message_body = std::move(body);
  secure(m, std::move(certs), signer, unsigned_local);
  auto out = wire::encode_message(m, config_.max_message_size);
  if (!out) return {};
  ++counters_.sent[PeerCounters::slot(m.contents.message_code)];
  return std::move(*out);
}

std::optional<LinkId> PeerCore::route_link(const wire::Destination& first) const {
  auto point = chord::ring_point(first);
  if (!point) return std::nullopt;
  if (first.is_node()) {
    auto it = conns_.find(*point);
    if (it != conns_.end()) return it->second.link;
  }
  if (config_.client) {  // everything goes over a link to a bootstrap peer
    if (conns_.empty()) return std::nullopt;
    return conns_.begin()->second.link;
  }
  chord::NextHop nh = table_.next_hop(*point);
  if (nh.local) {
    // A node outside the ring is responsible for nothing: hand it to any peer it knows, or
    // (a joining node before any Update, §10.5 step 2) to the bootstrap peer it is linked to.
    if (in_ring()) return std::nullopt;
    if (table_.peers().empty()) {
      if (conns_.empty()) return std::nullopt;
      return conns_.begin()->second.link;
    }
    nh.node = table_.peers().front();
  }
  auto it = conns_.find(nh.node);
  if (it == conns_.end()) return std::nullopt;
  return it->second.link;
}

void PeerCore::send_bytes(Millis, const wire::Destination& first, Bytes bytes,
                          bool unsigned_local) {
  if (loops_back(first)) {
    loopback_.push_back(LocalMessage{std::move(bytes), unsigned_local});
    return;
  }
  if (unsigned_local) bytes = seal(bytes);  // never unsigned on a link
  if (bytes.empty()) return;
  auto link = route_link(first);
  if (!link) {
    ++counters_.unroutable;
    return;
  }
  push(SendOnLink{*link, std::move(bytes)});
}

std::uint64_t PeerCore::originate(Millis now, std::vector<wire::Destination> dests,
                                  wire::MessageCode code, Bytes body, TxPurpose purpose,
                                  RequestCallback cb,
                                  std::vector<wire::GenericCertificate> certs,
                                  const RequestSigner& signer) {
  std::uint64_t id = 0;
  do {  // unpredictable (or the simulator's injected sequence), never 0, never in use
    id = config_.transaction_ids ? config_.transaction_ids() : crypto_transaction_id();
  } while (id == 0 || txs_.contains(id));
  wire::ForwardingHeader h;
  h.overlay = config_.overlay;
  h.transaction_id = id;
  h.destination_list = std::move(dests);
  Transaction tx;
  tx.id = id;
  tx.info.purpose = purpose;
  tx.expect = expected_answerer(h.destination_list.back(), purpose);
  tx.first = h.destination_list.front();
  tx.last = h.destination_list.back();
  // A request to ourselves (our own signature) stays in the process: unsigned.
  tx.unsigned_local = !signer && loops_back(tx.first);
  tx.bytes = build(h, code, std::move(body), std::move(certs), signer, tx.unsigned_local);
  tx.next_send = now + config_.reliability_timer;
  tx.sends = 1;
  tx.callback = std::move(cb);
  // A message that cannot be built (too large) is never sent; the transaction times out.
  if (!tx.bytes.empty()) send_bytes(now, tx.first, tx.bytes, tx.unsigned_local);
  txs_.add(std::move(tx));
  return id;
}

void PeerCore::on_answer(Millis now, const wire::Message& m, const NodeId& sender) {
  const Transaction* pending = txs_.find(m.header.transaction_id);
  if (!pending) {
    ++counters_.unmatched_answers;
    return;
  }
  if (!answer_acceptable(pending->expect, sender, table_)) {  // §6.3.4 (transactions.h)
    ++counters_.refused_answers;
    return;
  }
  auto tx = txs_.take(m.header.transaction_id);
  if (tx->info.purpose != TxPurpose::kApp) {
    if (m.contents.code() == wire::MessageCode::kAttachAns) {
      on_attach_answer(now, *tx, m, sender);
    } else {
      on_topology_answer(now, *tx, &m, sender);
    }
    return;
  }
  if (!tx->callback) return;
  RequestResult r;
  r.outcome = m.contents.is_error() ? RequestResult::Outcome::kError
                                    : RequestResult::Outcome::kAnswer;
  r.code = m.contents.code();
  r.body = m.contents.message_body;
  r.sender = sender;
  r.certificates = m.security.certificates;
  r.hops = static_cast<unsigned>(params_.initial_ttl - std::min(m.header.ttl, params_.initial_ttl)) + 1;
  tx->callback(r);
}

void PeerCore::on_request(Millis now, const NodeId& prev, const wire::Message& m,
                          const NodeId& sender) {
  if (const auto* cached = answers_.find(m.header.transaction_id)) {
    ++counters_.duplicate_requests;
    // answer_raw built it unsigned exactly when it was for ourselves.
    send_bytes(now, cached->first, cached->bytes, is_own(cached->first));
    return;
  }
  using wire::MessageCode;
  switch (m.contents.code()) {
    case MessageCode::kPingReq: {
      wire::PingAns ans{ping_response_id_,
                        static_cast<std::uint64_t>(now.count()) + config_.wall_clock_offset_ms};
      answer_raw(now, prev, m.header, MessageCode::kPingAns, *wire::encode_to_bytes(ans), false);
      return;
    }
    case MessageCode::kProbeReq: return handle_probe(now, prev, m);
    case MessageCode::kAttachReq: return handle_attach(now, prev, m, sender);
    case MessageCode::kJoinReq: return handle_join(now, prev, m, sender);
    case MessageCode::kLeaveReq: return handle_leave(now, prev, m, sender);
    case MessageCode::kUpdateReq: return handle_update(now, prev, m, sender);
    case MessageCode::kRouteQueryReq: return handle_route_query(now, prev, m, sender);
    case MessageCode::kConfigUpdateReq: return handle_config_update(now, prev, m, sender);
    case MessageCode::kStoreReq:
    case MessageCode::kFetchReq:
    case MessageCode::kStatReq:
    case MessageCode::kFindReq: {
      if (!storage_) {
        return answer_error(now, prev, m.header, wire::ErrorCode::kForbidden, "no storage");
      }
      auto point = chord::ring_point(m.header.destination_list.back());
      StorageRequest req{m, sender, point && in_ring() && table_.is_responsible(*point)};
      StorageAnswer a = storage_->on_request(now, req);
      return answer_raw(now, prev, m.header, a.code, std::move(a.body), true,
                        std::move(a.certificates));
    }
    default:
      ++counters_.invalid_answered;
      answer_error(now, prev, m.header,
                   wire::is_request(m.contents.code()) ? wire::ErrorCode::kForbidden
                                                       : wire::ErrorCode::kInvalidMessage,
                   "method not supported");
  }
}

}  // namespace p2psip::peer
