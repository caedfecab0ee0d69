#include "gateway/config/phones.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace p2psip::config {

namespace {

constexpr std::size_t kMaxFileBytes = 4 * 1024 * 1024;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// RFC 3261 user part: unreserved / escaped / user-unreserved, without '%' escapes here.
bool valid_user(std::string_view user) {
  if (user.empty() || user.size() > 128) return false;
  for (char c : user) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::strchr("-_.!~*'()&=+$,;?/", c) != nullptr;
    if (!ok || c == '\0') return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Expected<PhoneBook, std::string> parse_phones(std::string_view text) {
  PhoneBook book;
  std::map<std::string, std::size_t> first_line;
  std::size_t number = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++number;
    std::string where = "line " + std::to_string(number) + ": ";
    if (line.empty() || line.front() == '#') continue;
    std::size_t gap = 0;
    while (gap < line.size() && !is_blank(line[gap])) ++gap;
    std::string user(line.substr(0, gap));
    std::string_view password = trim(line.substr(gap));
    if (!valid_user(user)) return unexpected(where + "'" + user + "' is not a SIP user name");
    if (password.empty()) return unexpected(where + "expected 'USER PASSWORD', no password");
    if (auto [it, fresh] = first_line.emplace(user, number); !fresh) {
      return unexpected(where + "user '" + user + "' already defined on line " +
                        std::to_string(it->second));
    }
    book.emplace(user, std::string(password));
  }
  return book;
}

Expected<PhoneBook, std::string> read_phones_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return unexpected("'" + path + "': is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("'" + path + "': cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return unexpected("'" + path + "': read error");
  std::string content = text.str();
  if (content.size() > kMaxFileBytes) return unexpected("'" + path + "': larger than 4 MiB");
  auto book = parse_phones(content);
  if (!book) return unexpected("'" + path + "' " + book.error());
  return book;
}

Expected<std::string, std::string> read_nonce_secret(const std::string& path) {
  constexpr std::size_t kMaxSecret = 4096;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return unexpected("'" + path + "': is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("'" + path + "': cannot read: " + std::strerror(errno));
  std::string secret(kMaxSecret + 1, '\0');
  in.read(secret.data(), static_cast<std::streamsize>(secret.size()));
  secret.resize(static_cast<std::size_t>(in.gcount()));
  if (secret.size() > kMaxSecret) return unexpected("'" + path + "': larger than 4 KiB");
  while (!secret.empty() && std::string_view(" \t\r\n").find(secret.back()) != std::string_view::npos) {
    secret.pop_back();
  }
  if (secret.size() < kMinNonceSecret) {
    return unexpected("'" + path + "': the secret must have at least " +
                      std::to_string(kMinNonceSecret) + " bytes (e.g. `openssl rand -hex 32`)");
  }
  return secret;
}

}  // namespace p2psip::config
