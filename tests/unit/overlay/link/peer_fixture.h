#pragma once
// One LinkManager with its recorder, credentials from a CA of the test.

#include <memory>
#include <vector>

#include "link_test_support.h"

namespace p2psip::link::test {

struct Peer {
  Recorder rec;
  std::unique_ptr<LinkManager> links;

  Peer(Loop& loop, unsigned char fill, LinkConfig config = test_config(),
       const security::CertificateAuthority& ca = overlay_ca(),
       std::vector<security::RootCertificate> roots = {overlay_ca().root()}) {
    auto creds = issue(ca, fill);
    links = std::make_unique<LinkManager>(loop.get(), tls_context(creds, std::move(roots)),
                                          std::move(config), rec);
  }
  std::uint16_t listen() { return links->listen("127.0.0.1", 0).value(); }
};

inline Bytes pattern(std::size_t size, unsigned seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
  return out;
}

}  // namespace p2psip::link::test
