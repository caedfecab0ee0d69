// Writes one encoded RELOAD message of every message code the codec knows, for the tshark
// oracle (test_tshark_reload.py) and the fuzz seed corpora.
//
//   wire_samples --hex                 one line per message: "<name> <data frame as hex>",
//                                      signed with a fresh CA's RSA certificate as a node signs
//                                      (and verified again before they are written)
//   wire_samples --corpus-message DIR  each message as a raw file DIR/<name>.bin
//   wire_samples --corpus-framing DIR  framed streams for fuzz_wire_framing (2 knob bytes first)

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "overlay/wire/fragmentation.h"
#include "overlay/wire/framing.h"
#include "tests/integration/wire/wire_samples.h"
#include "tests/integration/wire/wire_samples_signer.h"

using namespace p2psip;
using namespace p2psip::wire;

namespace {

void write_file(const std::string& path, ByteView b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

int write_hex() {
  auto signer = NodeSampleSigner::create();
  if (!signer) return 1;
  std::vector<Sample> samples = all_samples(signer.get());
  if (std::string why = signer->check(samples); !why.empty()) {
    std::cerr << "wire_samples: " << why << '\n';
    return 1;
  }
  std::uint32_t seq = 1;
  for (const Sample& s : samples) {
    auto frame = encode_data_frame(seq++, s.bytes);
    if (!frame) return 1;
    std::cout << s.name << ' ' << to_hex(*frame) << '\n';
  }
  return 0;
}

int write_message_corpus(const std::string& dir) {
  for (const Sample& s : all_samples()) write_file(dir + "/" + s.name + ".bin", s.bytes);
  // Small unsigned messages exercising the rarer envelope fields.
  Message m = all_samples().front().message;
  m.security = SecurityBlock{};
  m.security.signature.identity = SignerIdentity{};  // none(3)
  m.header.via_list = {Destination::compressed(0x8001), Destination::opaque(Bytes(3))};
  m.header.destination_list.push_back(Destination::resource(ResourceId{Bytes(16)}));
  m.header.options = {ForwardingOption{1, kResponseCopy, Bytes(2)}};
  m.contents.extensions = {MessageExtension{1, true, Bytes(4)}, MessageExtension{9, false, {}}};
  auto small = encode_message(m);
  if (!small) return 1;
  write_file(dir + "/small_options_extensions.bin", *small);
  return 0;
}

int write_framing_corpus(const std::string& dir) {
  Bytes stream = {std::byte{7}, std::byte{40}};  // chunk step 8, refragment mtu 520
  std::uint32_t seq = 1;
  for (const Sample& s : all_samples()) {
    Bytes one = {std::byte{63}, std::byte{0}};
    auto frame = encode_data_frame(seq++, s.bytes);
    if (!frame) return 1;
    one.insert(one.end(), frame->begin(), frame->end());
    write_file(dir + "/" + s.name + ".frames", one);
    stream.insert(stream.end(), frame->begin(), frame->end());
    Writer ack;
    encode(ack, Frame{AckFrame{seq, 0xffff0000u}});
    stream.insert(stream.end(), ack.bytes().begin(), ack.bytes().end());
  }
  write_file(dir + "/all.frames", stream);
  // A large store fragmented at a 600-byte MTU, fragments framed in reverse order.
  Bytes frags = {std::byte{15}, std::byte{10}};
  auto pieces = fragment_message(large_sample(), 600);
  if (!pieces) return 1;
  for (auto it = pieces->rbegin(); it != pieces->rend(); ++it) {
    auto frame = encode_data_frame(seq++, *it);
    if (!frame) return 1;
    frags.insert(frags.end(), frame->begin(), frame->end());
  }
  write_file(dir + "/fragments.frames", frags);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "--hex";
  if (mode == "--hex") return write_hex();
  if (mode == "--corpus-message" && argc > 2) return write_message_corpus(argv[2]);
  if (mode == "--corpus-framing" && argc > 2) return write_framing_corpus(argv[2]);
  std::cerr << "usage: wire_samples [--hex | --corpus-message DIR | --corpus-framing DIR]\n";
  return 2;
}
