#pragma once
// May a running node switch to this renewed certificate? RFC 6940 §11.3: the certificate
// binds the node's Node-IDs (and its user name), so renewal keeps them; anything else is
// another node and needs a restart (a new identity in the ring). Pure: time comes in.

#include <span>
#include <string>

#include "common/expected.h"
#include "overlay/security/certificate.h"

namespace p2psip::security {

// The renewed certificate is of the same overlay, holds exactly the running one's Node-IDs
// (in any order) and user name, chains to `roots` and is valid at `now`. The error is one
// line naming what differs.
Expected<void, std::string> check_renewal(const Certificate& running, const Certificate& renewed,
                                          std::span<const RootCertificate> roots, SysSeconds now);

}  // namespace p2psip::security
