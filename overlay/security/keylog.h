#pragma once
// The one TLS key-log hook of the project (DESIGN.md §7: Wireshark/tshark decrypt captures of
// the overlay links with it). A TLS context writes the session secrets of every connection
// made from it to the file set here, one NSS key log line ("CLIENT_RANDOM ...",
// "CLIENT_TRAFFIC_SECRET_0 ...") appended with a single write (O_APPEND, mode 0600 when
// created), so several processes may share one file and lines stay whole.
//
// make_tls_context() sets $SSLKEYLOGFILE as it is when the context is made (a later unsetenv
// does not silently stop the log); link::LinkConfig::keylog_file, when not empty, replaces it
// through set_keylog_file(). The path lives with the context and goes with it.

#include <openssl/ssl.h>

#include <string>

namespace p2psip::security {

// Appends the key log of every later handshake on `ctx` to `path`; "" turns it off.
void set_keylog_file(SSL_CTX* ctx, std::string path);
// The key log file of `ctx`, "" when none.
std::string keylog_file(const SSL_CTX* ctx);
// $SSLKEYLOGFILE now, "" when unset.
std::string keylog_file_from_environment();

}  // namespace p2psip::security
