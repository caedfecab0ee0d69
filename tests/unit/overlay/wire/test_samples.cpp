#include "overlay/wire/samples.h"

#include <doctest/doctest.h>

#include "overlay/wire/bodies.h"
#include "overlay/wire/message.h"

using namespace p2psip;
using namespace p2psip::wire;

TEST_CASE("every sample body decodes by its code and re-encodes to the same bytes") {
  KindModelLookup models = sample_kind_models();
  for (MessageCode code : sample_message_codes()) {
    INFO("code " << message_code_name(code));
    Bytes b = sample_body(code);
    auto body = decode_body(code, b, models);
    REQUIRE(body.has_value());
    auto again = encode_body(*body);
    REQUIRE(again.has_value());
    CHECK(*again == b);
    CHECK(b.size() < kDefaultMaxMessageSize);
  }
}

TEST_CASE("the empty-bodied answers are empty; unassigned codes have no body") {
  CHECK(sample_body(MessageCode::kLeaveAns).empty());
  CHECK(sample_body(MessageCode::kUpdateAns).empty());
  CHECK(sample_body(MessageCode::kConfigUpdateAns).empty());
  CHECK_FALSE(decode_body(static_cast<MessageCode>(0x05), {}, sample_kind_models()).has_value());
  CHECK_FALSE(decode_body(MessageCode::kExpAReq, {}, sample_kind_models()).has_value());
}

TEST_CASE("the stored SIP registration unwraps to its uri") {
  auto fetched = decode_fetch_ans(sample_body(MessageCode::kFetchAns), sample_kind_models());
  REQUIRE(fetched.has_value());
  const StoredData& d = fetched->kind_responses.at(0).values.at(0);
  const auto& entry = std::get<DictionaryEntry>(d.value);
  CHECK(entry.key == Bytes(16, std::byte{0x5a}));
  auto reg = decode_sip_registration(entry.value.value);
  REQUIRE(reg.has_value());
  CHECK(reg->uri == "sip:alice@192.0.2.7:5060");
}

TEST_CASE("samples are deterministic") {
  for (MessageCode code : sample_message_codes()) {
    CHECK(sample_body(code) == sample_body(code));
  }
}
