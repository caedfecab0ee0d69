#include "overlay/usage/sip_usage_client.h"

#include <algorithm>

#include "overlay/storage/access.h"
#include "overlay/storage/kinds.h"

namespace p2psip::usage {

namespace {

using K = UsageError::Kind;

UsageError bad_input(std::string text) { return UsageError{K::kBadInput, 0, std::move(text)}; }
UsageError bad_answer(std::string text) { return UsageError{K::kBadAnswer, 0, std::move(text)}; }

std::optional<wire::DataModel> kind1_model(wire::KindId k) {
  if (k == wire::kSipRegistrationKindId) return wire::DataModel::kDictionary;
  return std::nullopt;
}

// Without a verifier no value can be trusted: each live value (not a tombstone) counts as
// rejected, so that a caller does not mistake them for "nothing registered".
void verifier_missing_counts(const wire::FetchAns& answer, std::size_t& rejected) {
  for (const wire::FetchKindResponse& kr : answer.kind_responses) {
    for (const wire::StoredData& d : kr.values) {
      const auto* e = std::get_if<wire::DictionaryEntry>(&d.value);
      if (!e || e->value.exists) ++rejected;
    }
  }
}

// The validity of every live registration the answer held, for the caller's cache (a
// rejected one too: the bound only gets shorter).
void note_validity(const wire::FetchAns& answer, AorWalk& walk) {
  for (const wire::FetchKindResponse& kr : answer.kind_responses) {
    if (kr.kind != wire::kSipRegistrationKindId) continue;
    for (const wire::StoredData& d : kr.values) {
      const auto* e = std::get_if<wire::DictionaryEntry>(&d.value);
      if (e && e->value.exists) walk.add_validity(d.lifetime, d.storage_time);
    }
  }
}

// The values whose signature verified_registrations() checks: all but tombstones.
bool signature_checked(const wire::StoredData& d) {
  const auto* e = std::get_if<wire::DictionaryEntry>(&d.value);
  return !(e && !e->value.exists);
}

}  // namespace

void preverify_registrations(ByteView fetch_ans_body, const wire::ResourceId& resource,
                             storage::DataVerifier& verifier) {
  auto answer = wire::decode_fetch_ans(fetch_ans_body, kind1_model);
  if (!answer) return;
  for (const wire::FetchKindResponse& kr : answer->kind_responses) {
    if (kr.kind != wire::kSipRegistrationKindId) continue;
    for (const wire::StoredData& d : kr.values) {
      if (signature_checked(d)) (void)storage::verify_stored_data(verifier, resource, kr.kind, d);
    }
  }
}

std::vector<wire::SipRegistration> verified_registrations(const wire::FetchAns& answer,
                                                          std::string_view aor,
                                                          storage::DataVerifier& verifier,
                                                          std::size_t& rejected) {
  std::vector<wire::SipRegistration> out;
  auto resource = aor_resource_id(aor);
  if (!resource) return out;
  const storage::KindDef kind = storage::sip_registration_kind();
  for (const wire::FetchKindResponse& kr : answer.kind_responses) {
    if (kr.kind != wire::kSipRegistrationKindId) continue;
    for (const wire::StoredData& d : kr.values) {
      if (!signature_checked(d)) continue;  // a tombstone: nothing registered
      const auto* e = std::get_if<wire::DictionaryEntry>(&d.value);
      auto signer = storage::verify_stored_data(verifier, *resource, kr.kind, d);
      if (!e || !signer || !storage::access_allowed(kind, *resource, d.value, *signer)) {
        ++rejected;
        continue;
      }
      auto reg = wire::decode_sip_registration(e->value.value);
      if (!reg || !reg->is_known()) {
        ++rejected;
        continue;
      }
      out.push_back(std::move(*reg));
    }
  }
  return out;
}

SipUsageClient::SipUsageClient(RequestSender& sender, VerifierFactory verifiers,
                               UsageConfig config)
    : sender_(sender), verifiers_(std::move(verifiers)), config_(std::move(config)) {}

std::uint64_t SipUsageClient::storage_time(std::uint64_t now_ms) {
  // Strictly increasing, so that a refresh or removal always replaces the previous value
  // (a store with an equal storage_time is Error_Data_Too_Old).
  last_storage_time_ = std::max(now_ms, last_storage_time_ + 1);
  return last_storage_time_;
}

void SipUsageClient::store(const Registrant& who, std::string_view aor,
                           const wire::SipRegistration& value, std::uint32_t lifetime_s,
                           std::uint64_t now_ms, StoreDone done) {
  auto resource = aor_resource_id(aor);
  if (!resource) return done(unexpected(bad_input(resource.error())));
  if (!who.signer) return done(unexpected(bad_input("no signer")));
  auto kd = build_registration(*resource, who.node, value, storage_time(now_ms), lifetime_s,
                               *who.signer);
  if (!kd) return done(unexpected(bad_input(kd.error())));
  send_store(who, *resource, std::move(*kd), std::move(done));
}

void SipUsageClient::remove(const Registrant& who, std::string_view aor,
                            std::uint32_t lifetime_s, std::uint64_t now_ms, StoreDone done) {
  auto resource = aor_resource_id(aor);
  if (!resource) return done(unexpected(bad_input(resource.error())));
  if (!who.signer) return done(unexpected(bad_input("no signer")));
  auto kd = build_unregistration(*resource, who.node, storage_time(now_ms), lifetime_s,
                                 *who.signer);
  send_store(who, *resource, std::move(kd), std::move(done));
}

void SipUsageClient::send_store(const Registrant& who, const wire::ResourceId& resource,
                                wire::StoreKindData kd, StoreDone done) {
  wire::StoreReq req{resource, 0, {std::move(kd)}};
  auto body = wire::encode_to_bytes(req);
  if (!body) return done(unexpected(bad_input("StoreReq does not encode")));
  // §7.3: "in a non-replica store, both the signer of the StoredValue and the signer of the
  // StoreReq MUST conform to the policy": the registrant signs the StoreReq too.
  sender_.send(resource, wire::MessageCode::kStoreReq, std::move(*body),
               storage::RequestSigner{who.signer, who.certificates},
               [done = std::move(done)](OverlayAnswer a) {
                 if (a.outcome != OverlayAnswer::Outcome::kAnswer) {
                   return done(unexpected(error_from_answer(a)));
                 }
                 if (a.code != wire::MessageCode::kStoreAns || !wire::decode_store_ans(a.body)) {
                   return done(unexpected(bad_answer("not a StoreAns")));
                 }
                 done({});
               });
}

struct SipUsageClient::Lookup {
  AorWalk walk;
  LookupDone done;
  bool first = true;
};

void SipUsageClient::lookup(std::string_view aor, LookupDone done) {
  auto start = normalize_aor(aor);
  if (!start) return done(unexpected(bad_input(start.error())));
  auto l = std::make_shared<Lookup>(
      Lookup{AorWalk(*start, config_.overlay_domain, config_.max_indirection), std::move(done)});
  step(std::move(l));
}

void SipUsageClient::step(std::shared_ptr<Lookup> l) {
  auto aor = l->walk.next();
  if (!aor) return l->done(l->walk.take());
  auto resource = aor_resource_id(*aor).value();  // next() only yields normalised AoRs
  wire::StoredDataSpecifier spec{wire::kSipRegistrationKindId, 0, wire::DictionarySpecifier{}};
  auto body = wire::encode_to_bytes(wire::FetchReq{resource, {spec}}).value();
  sender_.send(resource, wire::MessageCode::kFetchReq, std::move(body), {},
               [this, l, aor = *aor](OverlayAnswer a) {
                 bool first = l->first;
                 l->first = false;
                 std::optional<UsageError> err;
                 std::optional<wire::FetchAns> ans;
                 if (a.outcome != OverlayAnswer::Outcome::kAnswer) {
                   err = error_from_answer(a);
                 } else if (auto d = wire::decode_fetch_ans(a.body, kind1_model);
                            a.code == wire::MessageCode::kFetchAns && d) {
                   ans = std::move(*d);
                 } else {
                   err = bad_answer("not a FetchAns");
                 }
                 if (err && first) return l->done(unexpected(std::move(*err)));
                 if (err) {
                   l->walk.on_failure();
                 } else {
                   std::size_t rejected = 0;
                   note_validity(*ans, l->walk);
                   auto verifier = verifiers_ ? verifiers_(a.certificates) : nullptr;
                   if (verifier) {
                     l->walk.on_registrations(
                         verified_registrations(*ans, aor, *verifier, rejected));
                   } else {  // the certificates do not chain to the overlay's root
                     verifier_missing_counts(*ans, rejected);
                     l->walk.on_registrations({});
                   }
                   l->walk.add_rejected(rejected);
                 }
                 step(l);
               });
}

}  // namespace p2psip::usage
