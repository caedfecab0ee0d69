#include "overlay/security/handles.h"

#include <openssl/err.h>

#include <climits>

namespace p2psip::security {

std::string openssl_error(std::string_view what) {
  std::string out(what);
  unsigned long first = ERR_get_error();
  if (first != 0) {
    char buf[256];
    ERR_error_string_n(first, buf, sizeof buf);
    out += ": ";
    out += buf;
  }
  ERR_clear_error();
  return out;
}

BioPtr memory_bio(ByteView data) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

Bytes bio_contents(BIO* bio) {
  char* ptr = nullptr;
  // BIO_get_mem_data() is a macro with a C cast; this is what it expands to.
  long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&ptr));
  if (len <= 0 || ptr == nullptr) return {};
  auto* first = reinterpret_cast<const std::byte*>(ptr);
  return Bytes(first, first + len);
}

}  // namespace p2psip::security
