#include "overlay/storage/service.h"

#include "overlay/wire/bodies_misc.h"

namespace p2psip::storage {

using wire::ErrorCode;
using wire::MessageCode;

ServiceAnswer error_answer(const StorageError& e) {
  wire::ErrorResponse r{wire::to_u16(e.code), e.error_info};
  if (r.error_info.size() > 0xffff) r.error_info.resize(0xffff);
  auto body = wire::encode_to_bytes(r);
  return ServiceAnswer{MessageCode::kError, body ? std::move(*body) : Bytes{}};
}

namespace {

ServiceAnswer invalid(std::string_view what) {
  return error_answer(storage_error(ErrorCode::kInvalidMessage, what));
}

template <class Ans>
ServiceAnswer answer(MessageCode code, StorageResult<Ans> r) {
  if (!r) return error_answer(r.error());
  auto body = wire::encode_to_bytes(*r);
  if (!body) return error_answer(storage_error(ErrorCode::kResponseTooLarge, "answer"));
  return ServiceAnswer{code, std::move(*body)};
}

ServiceAnswer not_found() {
  return error_answer(storage_error(ErrorCode::kNotFound, "not responsible"));
}

}  // namespace

ServiceAnswer handle_storage_request(DataStore& store, const KindRegistry& kinds,
                                     MessageCode code, ByteView body,
                                     const RequestContext& ctx, DataVerifier& verifier) {
  auto models = kinds.model_lookup();
  switch (code) {
    case MessageCode::kStoreReq: {
      auto req = wire::decode_store_req(body, models);
      if (!req) return invalid(req.error().what);
      if (req->replica_number == 0 && !ctx.responsible) return not_found();
      auto ans = store.store(*req, ctx.now, verifier);
      if (ans && req->replica_number == 0) {
        for (auto& r : ans->kind_responses) r.replicas = ctx.replicas;
      }
      return answer(MessageCode::kStoreAns, std::move(ans));
    }
    case MessageCode::kFetchReq: {
      auto req = wire::decode_fetch_req(body, models);
      if (!req) return invalid(req.error().what);
      return answer(MessageCode::kFetchAns, store.fetch(*req, ctx.now));
    }
    case MessageCode::kStatReq: {
      auto req = wire::decode_stat_req(body, models);
      if (!req) return invalid(req.error().what);
      return answer(MessageCode::kStatAns, store.stat(*req, ctx.now));
    }
    case MessageCode::kFindReq: {
      auto req = wire::decode_find_req(body);
      if (!req) return invalid(req.error().what);
      if (!ctx.responsible) return not_found();
      return answer(MessageCode::kFindAns, store.find(*req, ctx.now));
    }
    default: return invalid("not a storage request");
  }
}

}  // namespace p2psip::storage
