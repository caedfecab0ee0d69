#pragma once
// Checks of what a NodeConfig names, before a node is built: the credential files (the
// certificate is of the overlay and chains to the root, the key is its key) and the
// bootstrap peers (IP literals: the library never resolves a name on a Node's loop).

#include <string>

#include "common/expected.h"
#include "overlay/peer/node.h"
#include "overlay/security/certificate.h"
#include "overlay/security/keys.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

// Does the key belong to the certificate (sign and verify a few bytes)?
bool key_matches(const security::Certificate& cert, const security::PrivateKey& key);

// Errors are kConfig naming the field ("cert", "key", "ca").
Expected<peer::NodeCredentials, Error> load_credentials(const std::string& overlay,
                                                        const CredentialFiles& files);

// A renewed certificate and key for a running node (the `ca` file is not read; chains and
// Node-IDs are checked by peer::Node::renew_credentials). Errors are kConfig ("cert", "key").
Expected<peer::NodeCredentials, Error> load_renewed(const std::string& overlay,
                                                    const CredentialFiles& files);

// An IP literal with its port. A name is refused (no blocking lookup on the caller's thread):
// the error names the entry and says to resolve it first.
Expected<wire::IpAddressPort, std::string> literal_endpoint(const Endpoint& e);

}  // namespace p2psip::overlay
