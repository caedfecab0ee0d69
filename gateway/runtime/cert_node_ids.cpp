#include "gateway/runtime/cert_node_ids.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string_view>

namespace p2psip::runtime {

namespace {

constexpr std::string_view kScheme = "reload://";
constexpr std::string_view kNodePrefix = "0110";  // destination type node(1), length 16
constexpr std::size_t kHexDigits = 32;

std::string node_id_of(std::string_view uri) {
  if (uri.size() < kScheme.size()) return {};
  std::string scheme(uri.substr(0, kScheme.size()));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != kScheme) return {};
  std::string_view dest = uri.substr(kScheme.size());
  dest = dest.substr(0, dest.find('@'));
  if (dest.size() == kNodePrefix.size() + kHexDigits && dest.substr(0, kNodePrefix.size()) == kNodePrefix) {
    dest.remove_prefix(kNodePrefix.size());
  }
  if (dest.size() != kHexDigits || !std::all_of(dest.begin(), dest.end(), [](unsigned char c) {
        return std::isxdigit(c) != 0;
      })) {
    return {};
  }
  std::string hex(dest);
  std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
  return hex;
}

}  // namespace

std::vector<std::string> certificate_node_ids(const std::string& cert_path) {
  std::vector<std::string> out;
  FILE* f = std::fopen(cert_path.c_str(), "r");
  if (!f) return out;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_URI) continue;
    const ASN1_IA5STRING* s = n->d.uniformResourceIdentifier;
    std::string id = node_id_of(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                                 static_cast<std::size_t>(ASN1_STRING_length(s))));
    if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  GENERAL_NAMES_free(names);
  X509_free(cert);
  return out;
}

}  // namespace p2psip::runtime
