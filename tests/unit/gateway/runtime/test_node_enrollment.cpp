// The pure parts of a node that enrolls itself (node_enrollment.h): when a certificate is
// renewed, how the password file is read, and which keys must come with enroll.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gateway/config/gateway_config.h"
#include "gateway/runtime/node_enrollment.h"

using namespace p2psip::runtime;
using std::chrono::days;
using std::chrono::seconds;

TEST_CASE("renewal: due once less than a third of the lifetime is left, or outside it") {
  SysSeconds start{seconds{1'800'000'000}};
  SysSeconds end = start + days{300};
  CHECK_FALSE(renewal_due(start, end, start));
  CHECK_FALSE(renewal_due(start, end, start + days{199}));
  CHECK_FALSE(renewal_due(start, end, start + days{200}));      // exactly a third left
  CHECK(renewal_due(start, end, start + days{200} + seconds{1}));
  CHECK(renewal_due(start, end, end - seconds{1}));
  CHECK(renewal_due(start, end, end));                           // expired
  CHECK(renewal_due(start, end, end + days{1}));
  CHECK(renewal_due(start, end, start - seconds{1}));            // not valid yet (clock moved)
}

TEST_CASE("password file: the first line without a trailing CR or blanks") {
  auto path = (std::filesystem::temp_directory_path() / "p2psip-test-password").string();
  {
    std::ofstream(path) << "correct horse  \r\nsecond line\n";
  }
  auto pw = read_password_file(path);
  REQUIRE(pw);
  CHECK(*pw == "correct horse");
  {
    std::ofstream(path) << "\nsecret\n";
  }
  CHECK_FALSE(read_password_file(path));  // an empty first line is no password
  std::remove(path.c_str());
  CHECK_FALSE(read_password_file(path));
}

TEST_CASE("enroll options: user, password_file and exactly one way to trust the server") {
  p2psip::config::EnrollConfig e{"https://192.0.2.1:8443/.well-known/reload-config", "alice", "", "", ""};
  auto no_pw = enroll_options(e, "data");
  REQUIRE_FALSE(no_pw);
  CHECK(no_pw.error().exit_code == 2);
  CHECK(no_pw.error().message.find("password_file") != std::string::npos);
  auto path = (std::filesystem::temp_directory_path() / "p2psip-test-password2").string();
  {
    std::ofstream(path) << "pw\n";
  }
  e.password_file = path;
  auto no_trust = enroll_options(e, "data");
  REQUIRE_FALSE(no_trust);
  CHECK(no_trust.error().message.find("enroll_ca") != std::string::npos);
  e.fingerprint = std::string(64, 'a');
  auto ok = enroll_options(e, "data");
  REQUIRE(ok);
  CHECK(ok->password == "pw");
  CHECK(ok->data_dir == (std::filesystem::path("data") / "enrollment").string());
  e.ca = "ca.crt";
  CHECK_FALSE(enroll_options(e, "data"));  // both ways
  std::remove(path.c_str());
}
