#include "overlay/security/x509_parse.h"

#include <openssl/core_dispatch.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include <atomic>
#include <climits>
#include <string_view>
#include <vector>

namespace p2psip::security {

namespace {

std::atomic<std::uint64_t> fast_decodes{0};
std::atomic<std::uint64_t> ordinary_decodes{0};

// The key types a RELOAD certificate may carry here (classify_key: RSA-2048, P-256).
bool is_kept_key_type(const char* names) {
  std::string_view all(names == nullptr ? "" : names);
  std::string_view first = all.substr(0, all.find(':'));
  return first == "EC" || first == "RSA";
}

bool is_spki_der_decoder(const char* properties) {
  std::string_view p(properties == nullptr ? "" : properties);
  return p.find("input=der") != std::string_view::npos &&
         p.find("structure=SubjectPublicKeyInfo") != std::string_view::npos;
}

// The algorithm tables the forwarding provider offers, taken once from the default provider.
struct ForwardedTables {
  OSSL_PROVIDER* target = nullptr;
  std::vector<OSSL_ALGORITHM> keymgmt;
  std::vector<OSSL_ALGORITHM> decoder;
};
ForwardedTables* forwarded = nullptr;  // set before the provider is loaded, never changed after

std::vector<OSSL_ALGORITHM> kept(OSSL_PROVIDER* from, int operation, bool decoders) {
  std::vector<OSSL_ALGORITHM> out;
  int no_cache = 0;
  for (const OSSL_ALGORITHM* a = OSSL_PROVIDER_query_operation(from, operation, &no_cache);
       a != nullptr && a->algorithm_names != nullptr; ++a) {
    if (is_kept_key_type(a->algorithm_names) &&
        (!decoders || is_spki_der_decoder(a->property_definition))) {
      out.push_back(*a);
    }
  }
  out.push_back(OSSL_ALGORITHM{nullptr, nullptr, nullptr, nullptr});
  return out;
}

const OSSL_ALGORITHM* forward_query(void*, int operation, int* no_cache) {
  *no_cache = 0;
  switch (operation) {
    case OSSL_OP_KEYMGMT: return forwarded->keymgmt.data();
    case OSSL_OP_DECODER: return forwarded->decoder.data();
    case OSSL_OP_ENCODER:
    case OSSL_OP_STORE: return nullptr;
    default: return OSSL_PROVIDER_query_operation(forwarded->target, operation, no_cache);
  }
}

void forward_teardown(void*) {}

const OSSL_DISPATCH forward_dispatch[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, reinterpret_cast<void (*)()>(&forward_query)},
    {OSSL_FUNC_PROVIDER_TEARDOWN, reinterpret_cast<void (*)()>(&forward_teardown)},
    {0, nullptr}};

// The forwarded algorithms run with the default provider's own context.
int forward_init(const OSSL_CORE_HANDLE*, const OSSL_DISPATCH*, const OSSL_DISPATCH** out,
                 void** provctx) {
  *provctx = OSSL_PROVIDER_get0_provider_ctx(forwarded->target);
  *out = forward_dispatch;
  return 1;
}

// The library context certificates are decoded in; null when it could not be set up (then
// every certificate is decoded the ordinary way).
class ParseContext {
 public:
  ParseContext() {
    tables_.target = OSSL_PROVIDER_load(nullptr, "default");
    if (tables_.target == nullptr) return;
    tables_.keymgmt = kept(tables_.target, OSSL_OP_KEYMGMT, false);
    tables_.decoder = kept(tables_.target, OSSL_OP_DECODER, true);
    forwarded = &tables_;
    libctx_ = OSSL_LIB_CTX_new();
    if (libctx_ == nullptr ||
        OSSL_PROVIDER_add_builtin(libctx_, "p2psip-x509-parse", &forward_init) != 1 ||
        OSSL_PROVIDER_load(libctx_, "p2psip-x509-parse") == nullptr) {
      OSSL_LIB_CTX_free(libctx_);
      libctx_ = nullptr;
    }
    ERR_clear_error();
  }
  ParseContext(const ParseContext&) = delete;
  ParseContext& operator=(const ParseContext&) = delete;

  OSSL_LIB_CTX* libctx() const { return libctx_; }

 private:
  ForwardedTables tables_;
  OSSL_LIB_CTX* libctx_ = nullptr;
};

OSSL_LIB_CTX* parse_libctx() {
  // Made once (C++ guarantees a thread-safe construction) and deliberately never destroyed: a
  // verification thread may still decode while the process exits.
  static const ParseContext* const context = new ParseContext();
  return context->libctx();
}

// X509_new_ex is how a certificate gets a library context; without one, the decoding is
// exactly the d2i_X509 call this code made before.
X509Ptr decode_in(OSSL_LIB_CTX* libctx, ByteView der, std::size_t* consumed) {
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* const start = p;
  X509* raw = nullptr;
  if (libctx != nullptr) {
    raw = X509_new_ex(libctx, nullptr);
    if (raw == nullptr) return nullptr;
    if (d2i_X509(&raw, &p, static_cast<long>(der.size())) == nullptr) {
      X509_free(raw);  // d2i frees and nulls it on failure; X509_free(nullptr) is a no-op
      return nullptr;
    }
  } else {
    raw = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (raw == nullptr) return nullptr;
  }
  *consumed = static_cast<std::size_t>(p - start);
  return X509Ptr(raw);
}

}  // namespace

X509Ptr decode_x509(ByteView der, std::size_t* consumed) {
  *consumed = 0;
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return nullptr;
  if (OSSL_LIB_CTX* libctx = parse_libctx()) {
    X509Ptr x = decode_in(libctx, der, consumed);
    if (x && X509_get0_pubkey(x.get()) != nullptr) {
      fast_decodes.fetch_add(1, std::memory_order_relaxed);
      return x;
    }
    ERR_clear_error();
  }
  ordinary_decodes.fetch_add(1, std::memory_order_relaxed);
  // Not an EC or RSA key, not a certificate, or no parse context: OpenSSL's ordinary decoding
  // decides, and the callers' checks refuse what they refused before.
  return decode_in(nullptr, der, consumed);
}

X509DecodeCounts x509_decode_counts() {
  return {fast_decodes.load(std::memory_order_relaxed),
          ordinary_decodes.load(std::memory_order_relaxed)};
}

}  // namespace p2psip::security
