#include "overlay/api/convert.h"

#include "overlay/wire/message_codes.h"

namespace p2psip::overlay {

namespace {

std::vector<std::string> hex_list(const std::vector<wire::NodeId>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(id.hex());
  return out;
}

// Every named code with traffic, then the unassigned codes summed as "unknown".
std::vector<MessageCount> message_counts(const peer::PeerCounters& c) {
  std::vector<MessageCount> out;
  MessageCount unknown{"unknown", 0, 0};
  for (std::size_t slot = 0; slot < peer::PeerCounters::kCodeSlots; ++slot) {
    auto code = static_cast<wire::MessageCode>(slot == 0x27 ? 0xffff : slot);
    const char* name = slot == 0 ? nullptr : wire::message_code_name(code);
    if (name == nullptr) {
      unknown.received += c.received[slot];
      unknown.sent += c.sent[slot];
    } else if (c.received[slot] != 0 || c.sent[slot] != 0) {
      out.push_back({name, c.received[slot], c.sent[slot]});
    }
  }
  if (unknown.received != 0 || unknown.sent != 0) out.push_back(std::move(unknown));
  return out;
}

}  // namespace

Registrant wrap(usage::Registrant r) {
  return Registrant(std::make_shared<const Registrant::Impl>(Registrant::Impl{std::move(r)}));
}

std::string Registrant::node_id() const { return impl_ ? impl_->registrant.node.hex() : ""; }

std::optional<wire::SipRegistration> to_wire(const Contact& c, const wire::NodeId& who) {
  if (c.form == Contact::Form::kUri) return wire::SipRegistration::make_uri(c.uri);
  std::vector<wire::Destination> path;
  for (const auto& hex : c.route) {
    auto id = wire::NodeId::from_hex(hex);
    if (!id) return std::nullopt;
    path.push_back(wire::Destination::node(*id));
  }
  if (c.route.empty()) path.push_back(wire::Destination::node(who));
  return wire::SipRegistration::make_route("", std::move(path));
}

Failure to_failure(const usage::UsageError& e) {
  Failure f;
  f.kind = static_cast<Failure::Kind>(e.kind);
  static_assert(static_cast<int>(usage::UsageError::Kind::kBadInput) ==
                static_cast<int>(Failure::Kind::kBadInput));
  static_assert(static_cast<std::uint16_t>(wire::ErrorCode::kNotFound) == Failure::kNotFound);
  f.code = e.code;
  f.name = e.name();
  f.message = e.message();
  return f;
}

Resolution to_resolution(const usage::Resolution& r) {
  Resolution out;
  out.uris = r.uris;
  for (const wire::SipRegistration& route : r.routes) {
    std::vector<std::string> ids;
    for (const wire::Destination& d : route.destination_list) {
      if (const wire::NodeId* n = d.node_id()) ids.push_back(n->hex());
    }
    out.routes.push_back(std::move(ids));
  }
  out.visited = r.visited;
  out.depth_exceeded = r.depth_exceeded;
  out.failed_lookups = r.failed_lookups;
  out.rejected_values = r.rejected_values;
  out.min_lifetime_s = r.min_lifetime_s;
  out.earliest_expiry_ms = r.earliest_expiry_ms;
  return out;
}

usage::SipUsageClient::StoreDone store_done(StoreDone done) {
  return [done = std::move(done)](Expected<void, usage::UsageError> r) {
    if (r) return done({});
    done(unexpected(to_failure(r.error())));
  };
}

usage::SipUsageClient::LookupDone lookup_done(LookupDone done) {
  return [done = std::move(done)](Expected<usage::Resolution, usage::UsageError> r) {
    if (!r) return done(unexpected(to_failure(r.error())));
    done(to_resolution(*r));
  };
}

State to_state(peer::PeerState s) {
  switch (s) {
    case peer::PeerState::kIdle: return State::kIdle;
    case peer::PeerState::kJoining: return State::kJoining;
    case peer::PeerState::kJoined: return State::kJoined;
    case peer::PeerState::kLeaving: return State::kLeaving;
    case peer::PeerState::kLeft: return State::kLeft;
  }
  return State::kIdle;
}

const char* to_string(State s) {
  switch (s) {
    case State::kIdle: return peer::to_string(peer::PeerState::kIdle);
    case State::kJoining: return peer::to_string(peer::PeerState::kJoining);
    case State::kJoined: return peer::to_string(peer::PeerState::kJoined);
    case State::kLeaving: return peer::to_string(peer::PeerState::kLeaving);
    case State::kLeft: return peer::to_string(peer::PeerState::kLeft);
  }
  return "idle";
}

Snapshot to_snapshot(const peer::NodeSnapshot& s, const usage::KeeperCounts& kept,
                     std::size_t pending_lookups) {
  const peer::PeerStatus& st = s.status;
  Snapshot out;
  out.state = to_state(st.state);
  out.node_id = st.node_id.hex();
  out.listen_port = s.listen_port;
  out.predecessors = hex_list(st.predecessors);
  out.successors = hex_list(st.successors);
  out.finger_count = st.finger_count;
  out.fingers = hex_list(st.fingers);
  out.routing_table_size = st.routing_table_size;
  out.connections = st.connections;
  out.links = s.links;
  out.pending_transactions = st.pending_transactions;
  out.messages = message_counts(s.peer);
  out.forwarded = s.peer.forwarded;
  out.dropped_malformed = s.peer.dropped_malformed;
  out.bad_signature = s.peer.bad_signature;
  out.transaction_timeouts = s.peer.transaction_timeouts;
  out.answers_unmatched = s.peer.unmatched_answers;
  out.answers_wrong_sender = s.peer.refused_answers;
  out.in_process_messages = s.peer.in_process;
  out.verify_queue_full = s.peer.verify_queue_full;
  out.configuration_sequence = s.configuration_sequence;
  out.bad_node_links = s.bad_node_refusals[0];
  out.bad_node_messages = s.bad_node_refusals[1];
  out.bad_node_data = s.bad_node_refusals[2];
  out.config_too_old = s.peer.config_too_old;
  out.config_too_new = s.peer.config_too_new;
  s.link.for_each_error([&out](std::string_view reason, std::uint64_t total) {
    out.link_errors.emplace_back(std::string(reason), total);
  });
  out.links_up = s.link.links_up;
  out.link_messages_sent = s.link.messages_sent;
  out.link_messages_received = s.link.messages_received;
  out.storage.resources_by_kind = s.storage.resources_by_kind;
  out.storage.values = s.storage.values;
  out.storage.responsible_resources = s.storage.responsible_resources;
  out.storage.replica_resources = s.storage.replica_resources;
  out.storage.oldest_storage_time = s.storage.oldest_storage_time;
  out.storage.store_results = s.storage.store_results;
  out.storage.fetch_results = s.storage.fetch_results;
  out.registrations = kept.registrations;
  out.registrations_stored = kept.stored;
  out.registration_aors = kept.aors;
  out.pending_lookups = pending_lookups;
  return out;
}

}  // namespace p2psip::overlay
