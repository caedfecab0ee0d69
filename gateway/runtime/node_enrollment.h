#pragma once
// A node that enrolls itself (RFC 6940 §11.3; `p2psip peer` and `p2psip gateway` with
// enroll, user, password_file and enroll_ca or enroll_fingerprint). The first start fetches
// and verifies the configuration document, makes a key and a CSR and gets the certificate
// (p2psip/overlay/enroll.h, the code of `p2psip enroll`), kept in <data_dir>/enrollment/;
// later starts reuse those files and renew the certificate first when it is due. All of it
// runs before the event loop does: a blocking exchange, each network step bounded by the
// client's 10 s timeout. A failure is one line with what to do, and exit code 2.

#include <spdlog/logger.h>

#include <chrono>
#include <string>

#include "common/expected.h"
#include "gateway/config/enroll_config.h"
#include "gateway/config/settings.h"
#include "gateway/runtime/overlay_credentials.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::runtime {

using SysSeconds = std::chrono::sys_seconds;

// Pure: renew once less than a third of the certificate's lifetime is left (or it is not
// valid at all any more).
bool renewal_due(SysSeconds not_before, SysSeconds not_after, SysSeconds now);

// The first line of a password file, without a trailing CR or blanks.
Expected<std::string, std::string> read_password_file(const std::string& path);

// The library's client options from the keys (the password read from its file).
Expected<overlay::EnrollClientOptions, StartError> enroll_options(const config::EnrollConfig& e,
                                                                  const std::string& data_dir);

// With `enroll` set: enrolls (first start), reuses or renews, then points the settings at the
// enrollment: cert/key/ca (must not be configured), overlay (the document's instance-name; a
// configured other name is an error), bootstrap (the document's bootstrap-node entries unless
// configured, without this node's own overlay_listen), and, when `schema` has a `domain` key
// that is not configured, the domain of the certificate's user. Without `enroll`: nothing.
Expected<void, StartError> enroll_from_settings(config::Settings& settings,
                                                const config::Schema& schema);

}  // namespace p2psip::runtime
