#pragma once
// The Node-IDs a RELOAD certificate holds (RFC 6940 §11.3: subjectAltName URIs
// "reload://<node-id>@<overlay>/", the Node-ID in hex, optionally after the destination-type
// prefix "0110"), lower-case hex, in certificate order. Empty when the file cannot be read.
// The public overlay API checks one given Node-ID (overlay::Registrant::load) but does not
// list them; the phone keeper needs the list (gateway_registrations.h).

#include <string>
#include <vector>

namespace p2psip::runtime {

std::vector<std::string> certificate_node_ids(const std::string& cert_path);

}  // namespace p2psip::runtime
