#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "gateway/config/phones.h"

using namespace p2psip::config;

TEST_CASE("phones file: users, passwords, comments, blank lines") {
  auto book = parse_phones("# user password\n\nalice correct horse\r\n  bob\ts3cret  \n# end");
  REQUIRE_MESSAGE(book.has_value(), (book ? "" : book.error()));
  CHECK(book->size() == 2);
  CHECK(book->at("alice") == "correct horse");
  CHECK(book->at("bob") == "s3cret");
  CHECK(parse_phones("")->empty());
}

TEST_CASE("phones file errors carry the line number") {
  auto missing = parse_phones("alice pw\n\nbob\n");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().rfind("line 3:", 0) == 0);

  auto dup = parse_phones("alice a\nbob b\nalice c\n");
  REQUIRE_FALSE(dup.has_value());
  CHECK(dup.error().rfind("line 3:", 0) == 0);
  CHECK(dup.error().find("line 1") != std::string::npos);

  auto bad_user = parse_phones("al@ce pw\n");
  REQUIRE_FALSE(bad_user.has_value());
  CHECK(bad_user.error().rfind("line 1:", 0) == 0);
  CHECK_FALSE(parse_phones("ali\xff pw").has_value());
  CHECK_FALSE(parse_phones(std::string("al\0ce pw", 8)).has_value());
}

TEST_CASE("read_phones_file reports unreadable files") {
  auto none = read_phones_file("/nonexistent/phones.txt");
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().find("cannot read") != std::string::npos);
  CHECK_FALSE(read_phones_file("/").has_value());

  auto path = std::filesystem::temp_directory_path() / ("p2psip-test-phones-" + std::to_string(getpid()) + ".txt");
  std::ofstream(path) << "alice pw\nbroken\n";
  auto bad = read_phones_file(path.string());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().find("line 2") != std::string::npos);
  CHECK(bad.error().find(path.string()) != std::string::npos);
  std::ofstream(path) << "alice pw\n";
  auto good = read_phones_file(path.string());
  REQUIRE(good.has_value());
  CHECK(good->at("alice") == "pw");
  std::filesystem::remove(path);
}
