// RegistrationService on a real libuv loop with a scripted sender: nothing goes out before the
// node is ready, stores are counted, shutdown sends removals and ends when they are answered
// or when its budget runs out.
#include <doctest/doctest.h>

#include <uv.h>

#include "overlay/api/registration_service.h"
#include "overlay/wire/bodies_storage.h"

namespace p2psip::overlay {

namespace {

struct NullSigner final : storage::DataSigner {
  wire::SignerIdentity identity() const override { return {}; }
  wire::Signature sign(ByteView) override { return {}; }
};

struct ScriptedSender final : usage::RequestSender {
  bool answer = true;  // false: never answers
  std::vector<wire::StoreReq> stores;
  std::vector<usage::AnswerCallback> held;
  void send(const wire::ResourceId&, wire::MessageCode code, Bytes body,
            storage::RequestSigner, usage::AnswerCallback done) override {
    REQUIRE(code == wire::MessageCode::kStoreReq);
    stores.push_back(*wire::decode_store_req(body, [](wire::KindId) {
      return std::optional<wire::DataModel>(wire::DataModel::kDictionary);
    }));
    if (!answer) return held.push_back(std::move(done));
    done(usage::OverlayAnswer{usage::OverlayAnswer::Outcome::kAnswer, wire::MessageCode::kStoreAns,
                              *wire::encode_to_bytes(wire::StoreAns{}), {}});
  }
};

bool exists(const wire::StoreReq& r) {
  return std::get<wire::DictionaryEntry>(r.kind_data.at(0).values.at(0).value).value.exists;
}

struct Fixture {
  uv_loop_t loop{};
  SystemClock clock;
  ScriptedSender sender;
  usage::SipUsageClient client{sender, nullptr, usage::UsageConfig{"p2p.example.com"}};
  bool ready = false;
  std::unique_ptr<RegistrationService> service;
  usage::Registrant who{wire::NodeId{}, std::make_shared<NullSigner>(), {}};

  Fixture() {
    uv_loop_init(&loop);
    service = std::make_unique<RegistrationService>(&loop, client, clock, [this] { return ready; },
                                                    LogFn{});
  }
  ~Fixture() {
    service.reset();
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
};

}  // namespace

TEST_CASE("registrations go out once the node is ready and are removed on shutdown") {
  Fixture f;
  REQUIRE(f.service->add("sip:alice@p2p.example.com", wire::SipRegistration::make_uri("sip:a@h"),
                         600, f.who));
  CHECK_FALSE(f.service->add("not an aor", wire::SipRegistration::make_uri("sip:a@h"), 600, f.who));
  CHECK(f.sender.stores.empty());
  f.ready = true;
  f.service->node_changed(false);
  REQUIRE(f.sender.stores.size() == 1);
  CHECK(exists(f.sender.stores[0]));
  CHECK(f.sender.stores[0].kind_data[0].values[0].lifetime == 600);
  CHECK(f.service->counts().stored == 1);

  bool done = false;
  f.service->shutdown(Millis{5000}, [&] { done = true; });
  CHECK(done);  // answered synchronously
  REQUIRE(f.sender.stores.size() == 2);
  CHECK_FALSE(exists(f.sender.stores[1]));
  CHECK(f.service->counts().registrations == 0);
}

TEST_CASE("remove() sends the removal and forgets the AoR") {
  Fixture f;
  f.ready = true;
  REQUIRE(f.service->add("alice@p2p.example.com", wire::SipRegistration::make_uri("sip:a@h"), 600,
                         f.who));
  f.service->remove("sip:alice@p2p.example.com");
  REQUIRE(f.sender.stores.size() == 2);
  CHECK_FALSE(exists(f.sender.stores[1]));
  CHECK(f.service->counts().registrations == 0);
  f.service->remove("alice@p2p.example.com");  // unknown now: nothing sent
  CHECK(f.sender.stores.size() == 2);
}

TEST_CASE("shutdown ends after its budget when removals are not answered") {
  Fixture f;
  f.ready = true;
  f.sender.answer = false;
  REQUIRE(f.service->add("alice@p2p.example.com", wire::SipRegistration::make_uri("sip:a@h"), 600,
                         f.who));
  REQUIRE(f.sender.stores.size() == 1);
  bool done = false;
  f.service->shutdown(Millis{50}, [&] {
    done = true;
    uv_stop(&f.loop);
  });
  CHECK_FALSE(done);
  uv_run(&f.loop, UV_RUN_DEFAULT);
  CHECK(done);
  CHECK(f.sender.stores.size() == 2);
}

TEST_CASE("shutdown with nothing kept, or before the node is ready, finishes at once") {
  Fixture f;
  bool done = false;
  f.service->shutdown(Millis{5000}, [&] { done = true; });
  CHECK(done);
}

}  // namespace p2psip::overlay
