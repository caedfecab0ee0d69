#pragma once
// A started real Node on the test loop, with a certificate of the test CA for Node-ID `fill`.

#include <doctest/doctest.h>

#include <memory>

#include "../link/link_test_support.h"
#include "overlay/peer/node.h"

namespace p2psip::link::test {

inline std::unique_ptr<peer::Node> start_node(Loop& loop, const Clock& clock, unsigned char fill,
                                              peer::NodeConfig cfg) {
  auto creds = issue(overlay_ca(), fill);
  cfg.overlay = kOverlay;
  auto node = peer::Node::create(loop.get(), std::move(cfg),
                                 peer::NodeCredentials{std::move(creds.certificate),
                                                       std::move(creds.key),
                                                       {overlay_ca().root()}},
                                 clock);
  REQUIRE(node);
  REQUIRE((*node)->start());
  return std::move(node).value();
}

}  // namespace p2psip::link::test
