// message_heap: heap bytes per parsed SIP message as glibc's allocator sees them (mallinfo2
// in-use bytes, chunk headers included), the way nta receives a datagram
// (nta.c nta_msg_create_for_transport + tport's msg_recv_iovec/msg_recv_commit/msg_extract),
// with and without a preloaded home (NTATAG_PRELOAD: one malloc for the buffer and the header
// objects), and for the proxy's forwarding copy (msg_dup, or the preloaded copy of
// gateway/sip/message_copy.h). Holds N messages at once, as nta does for 32 s. Issue 18.
//
//   message_heap [N=20000] [preload bytes...]     e.g. message_heap 20000 0 512 1024 2048

#include <malloc.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gateway/sip/message_copy.h"

namespace {

// SIPp's INVITE of bench/sip/uac.xml as it reaches the gateway (~600 bytes), and a 200 to it.
const char kInvite[] =
    "INVITE sip:callee@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-12345-1-0\r\n"
    "From: <sip:uac@example.com>;tag=12345x1\r\n"
    "To: <sip:callee@example.com>\r\n"
    "Call-ID: 1-12345@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:uac@127.0.0.1:5070>\r\n"
    "Max-Forwards: 70\r\n"
    "Subject: bench\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 127\r\n"
    "\r\n"
    "v=0\r\no=uac 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

const char kOk[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5060;rport=5060;branch=z9hG4bK.abcdefabcdef\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-12345-1-0\r\n"
    "Record-Route: <sip:127.0.0.1:5060;lr;rrtok=0123456789abcdef>\r\n"
    "From: <sip:uac@example.com>;tag=12345x1\r\n"
    "To: <sip:callee@example.com>;tag=98765SIPpTag011\r\n"
    "Call-ID: 1-12345@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:callee@127.0.0.1:5080;transport=UDP>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 127\r\n"
    "\r\n"
    "v=0\r\no=uas 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

std::size_t in_use() { return mallinfo2().uordblks; }

msg_t* receive(const char* text, std::size_t preload) {
  std::size_t len = std::strlen(text);
  msg_t* m = msg_create(sip_default_mclass(), 0);
  if (preload) su_home_preload(msg_home(m), 1, len + preload);  // as nta_msg_create_for_transport
  msg_iovec_t iov[2];
  issize_t n = msg_recv_iovec(m, iov, 2, len, 1);
  if (n < 0) std::abort();
  for (std::size_t i = 0, off = 0; i < static_cast<std::size_t>(n); off += iov[i].mv_len, ++i) {
    std::memcpy(iov[i].mv_base, text + off, iov[i].mv_len);
  }
  msg_recv_commit(m, len, 1);
  if (msg_extract(m) <= 0) std::abort();
  return m;
}

void report(const char* what, std::size_t preload, std::size_t bytes, std::size_t n) {
  std::printf("| %s | %zu | %zu |\n", what, preload, bytes / n);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  std::vector<std::size_t> preloads;
  for (int i = 2; i < argc; ++i) preloads.push_back(std::strtoul(argv[i], nullptr, 10));
  if (preloads.empty()) preloads = {0, 512, 1024, 1536, 2048, 3072};
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // all in the heap, as the gateway's small blocks are
  std::printf("| message (held %zu at once) | preload B | heap B per message |\n| --- | --- | --- |\n", n);
  for (const char* text : {kInvite, kOk}) {
    const char* name = text == kInvite ? "INVITE received" : "200 received";
    for (std::size_t p : preloads) {
      std::vector<msg_t*> held;
      held.reserve(n);
      std::size_t before = in_use();
      for (std::size_t i = 0; i < n; ++i) held.push_back(receive(text, p));
      report(name, p, in_use() - before, n);
      if (p == 0) {
        // nta's server transaction puts the irq and its 6-7 header copies in the request's home
        // (nta.c incoming_create): past 21 blocks su_alloc's block table grows 31 -> 127 slots.
        before = in_use();
        for (msg_t* m : held) {
          for (int i = 0; i < 8; ++i) su_alloc(msg_home(m), 64);
        }
        report("  + 8 blocks of 64 B in its home", p, in_use() - before, n);
      }
      for (msg_t* m : held) msg_destroy(m);
    }
    msg_t* original = receive(text, 0);
    for (bool ours : {false, true}) {
      std::vector<p2psip::sip::sofia::Message> copies;
      copies.reserve(n);
      std::size_t before = in_use();
      for (std::size_t i = 0; i < n; ++i) {
        copies.emplace_back(ours ? p2psip::sip::forwarding_copy(original).release() : msg_dup(original));
      }
      report(ours ? "forwarding_copy (message_copy.h)" : "msg_dup", 0, in_use() - before, n);
    }
    msg_destroy(original);
  }
  return 0;
}
