#pragma once
// Every OpenSSL handle we hold lives in a unique_ptr whose deleter is the C free function.
// openssl_error() turns the thread's OpenSSL error queue into one readable line (and clears
// it), so that no failure leaves stale entries behind for the next caller.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/expected.h"

namespace p2psip::security {

template <class T, void (*Free)(T*)>
struct CFree {
  void operator()(T* p) const noexcept { Free(p); }
};

template <class T, void (*Free)(T*)>
using CHandle = std::unique_ptr<T, CFree<T, Free>>;

using EvpPkeyPtr = CHandle<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = CHandle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtxPtr = CHandle<EVP_MD_CTX, EVP_MD_CTX_free>;
using X509Ptr = CHandle<X509, X509_free>;
using X509StorePtr = CHandle<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = CHandle<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509NamePtr = CHandle<X509_NAME, X509_NAME_free>;
using X509ExtensionPtr = CHandle<X509_EXTENSION, X509_EXTENSION_free>;
using GeneralNamesPtr = CHandle<GENERAL_NAMES, GENERAL_NAMES_free>;
using GeneralNamePtr = CHandle<GENERAL_NAME, GENERAL_NAME_free>;
using Asn1IntegerPtr = CHandle<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1StringPtr = CHandle<ASN1_STRING, ASN1_STRING_free>;
using Asn1TimePtr = CHandle<ASN1_TIME, ASN1_TIME_free>;
using BasicConstraintsPtr = CHandle<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;
using ExtKeyUsagePtr = CHandle<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;
using BignumPtr = CHandle<BIGNUM, BN_free>;
using BioPtr = CHandle<BIO, BIO_free_all>;
using SslCtxPtr = CHandle<SSL_CTX, SSL_CTX_free>;

// "<what>: <first OpenSSL reason>" (or "<what>" alone when the queue is empty); clears the queue.
std::string openssl_error(std::string_view what);

// A read-only memory BIO over `data` (which must outlive the BIO).
BioPtr memory_bio(ByteView data);
// All bytes written to a memory BIO so far.
Bytes bio_contents(BIO* bio);

}  // namespace p2psip::security
