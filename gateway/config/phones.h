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

}  // namespace p2psip::config
