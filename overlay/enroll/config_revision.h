#pragma once
// What makes the enrollment server's configuration document change at run time, and the
// sequence number each version gets (RFC 6940 §11.1: "a monotonically increasing sequence
// number"; §6.3.2.1: nodes compare it to their own).
//
// The bad-node file (--bad-nodes-file): one Node-ID (32 hex digits) per line, '#' comments and
// blank lines ignored. The server re-reads it when it changes (checked every second) and serves
// a newly signed document with the next sequence.
//
// DIR/config-sequence (the CA directory) keeps `SEQUENCE DIGEST` of the last document served,
// DIGEST over what the operator controls (bootstrap nodes, bad nodes): a restart with the
// same content keeps the sequence, with other content takes the next one, so the sequence never
// goes back (unless --sequence names a newer one).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "overlay/security/identity.h"

namespace p2psip::enroll {

// Pure: the bad-node file's text; errors say "line N: ...". Duplicates are dropped; order kept.
Expected<std::vector<security::NodeId>, std::string> parse_bad_nodes(std::string_view text);

struct ConfigRevision {
  std::uint16_t sequence = 0;
  std::string digest;  // hex
  friend bool operator==(const ConfigRevision&, const ConfigRevision&) = default;
};

// Hex SHA-256 over the content that decides the sequence (order-independent).
std::string content_digest(const std::vector<std::string>& bootstrap,
                           std::vector<security::NodeId> bad_nodes);

// Pure: the sequence for a document of `digest`, given the last one served (if any) and the
// operator's --sequence (`configured`).
std::uint16_t choose_sequence(const std::optional<ConfigRevision>& last, std::uint16_t configured,
                              const std::string& digest);

std::filesystem::path config_revision_path(const std::filesystem::path& ca_dir);
// A missing file is nullopt.
Expected<std::optional<ConfigRevision>, std::string> load_config_revision(const std::filesystem::path& path);
Expected<void, std::string> save_config_revision(const std::filesystem::path& path, const ConfigRevision& r);

}  // namespace p2psip::enroll
