#pragma once
// The digest credentials of plain SIP phones (the `phones_file` key).
//
// Format: one `USER PASSWORD` per line, separated by spaces or tabs; blank lines and lines
// whose first non-blank character is '#' are ignored. USER is the user part of the phone's AoR
// (alice for alice@<domain>); PASSWORD is the rest of the line up to trailing blanks and may not
// be empty. The plain password (not an HA1) is kept because the registrar offers both SHA-256
// and MD5 digests (RFC 7616), whose HA1 values differ; protect the file like a key (mode 0600).
//
//   # user   password
//   alice    correct horse
//   bob      s3cret

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace p2psip::config {

// user -> password
using PhoneBook = std::map<std::string, std::string>;

// Pure. Errors say "line N: ..." (a duplicate user, a user with characters outside the SIP
// user-part set, a missing password).
Expected<PhoneBook, std::string> parse_phones(std::string_view text);

// Reads and parses the file. Errors: "'PATH': cannot read: ..." or "'PATH' line N: ...".
Expected<PhoneBook, std::string> read_phones_file(const std::string& path);

// The `nonce_secret_file` key: the digest nonce secret shared by every gateway of a site, so
// that a nonce one gateway issued verifies at the others (several gateways behind one
// dispatcher). The file's bytes up to trailing blanks and line ends; at least 16 of them, at
// most 4 KiB. Errors: "'PATH': ...".
inline constexpr std::size_t kMinNonceSecret = 16;
Expected<std::string, std::string> read_nonce_secret(const std::string& path);

}  // namespace p2psip::config
