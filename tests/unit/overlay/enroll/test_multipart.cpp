#include "overlay/enroll/multipart.h"

#include <doctest/doctest.h>

namespace p2psip::enroll {

TEST_CASE("multipart: what curl -F sends parses into named parts") {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"csr\"; filename=\"csr.der\"\r\n"
      "Content-Type: Application/PKCS10\r\n\r\n\x30\x82\r\n--\r\nbin\r\n"
      "--XyZ--\r\n";
  auto parts = parse_form_data("multipart/form-data; boundary=XyZ", body);
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK(find_part(*parts, "username")->data == "alice");
  CHECK(find_part(*parts, "csr")->content_type == "application/pkcs10");
  CHECK(find_part(*parts, "csr")->data == "\x30\x82\r\n--\r\nbin");
  CHECK(find_part(*parts, "password") == nullptr);
}

TEST_CASE("multipart: build then parse round trip, quoted boundary, preamble") {
  std::vector<FormPart> in{{"a", "", "1"}, {"b", "application/pkcs10", std::string("\0\r\n", 3)}, {"c", "", ""}};
  std::string body = "preamble\r\n" + build_form_data("b-1", in);
  auto out = parse_form_data("Multipart/Form-Data; charset=x; boundary=\"b-1\"", body);
  REQUIRE(out);
  REQUIRE(out->size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK((*out)[i].name == in[i].name);
    CHECK((*out)[i].data == in[i].data);
    CHECK((*out)[i].content_type == in[i].content_type);
  }
}

TEST_CASE("multipart: malformed bodies are errors") {
  const char* ct = "multipart/form-data; boundary=q";
  CHECK_FALSE(parse_form_data("application/x-www-form-urlencoded", "a=b"));
  CHECK_FALSE(parse_form_data("multipart/form-data", "--q--"));
  CHECK_FALSE(parse_form_data("multipart/form-data; boundary=" + std::string(71, 'q'), "x"));
  CHECK_FALSE(parse_form_data(ct, "garbage"));
  CHECK_FALSE(parse_form_data(ct, "--q\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"));
  CHECK_FALSE(parse_form_data(ct, "--q\r\nContent-Disposition: form-data; name=\"a\"\r\nno header end\r\n--q--"));
  CHECK_FALSE(parse_form_data(ct, "--q\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--q--"));
  CHECK_FALSE(parse_form_data(ct, "--q\r\nContent-Disposition: form-data\r\n\r\nx\r\n--q--"));
  CHECK_FALSE(parse_form_data(ct, "--qX\r\n"));
  std::string many;
  for (std::size_t i = 0; i <= kMaxFormParts; ++i) many += "--q\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n";
  CHECK_FALSE(parse_form_data(ct, many + "--q--"));
}

}  // namespace p2psip::enroll
