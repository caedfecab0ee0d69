#include "overlay/security/ca.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace p2psip::security {

namespace {

constexpr long kBackdateSeconds = 5 * 60;

Expected<void, std::string> fail(std::string_view what) {
  return unexpected(openssl_error(what));
}

Expected<void, std::string> set_serial_and_validity(X509* x, int days, SysSeconds now,
                                                    int seconds = 0) {
  std::array<unsigned char, 20> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) return fail("no randomness");
  raw[0] = static_cast<unsigned char>((raw[0] & 0x7f) | 0x01);  // positive, 159 bits, non-zero
  BignumPtr bn(BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr));
  Asn1IntegerPtr serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!serial || X509_set_serialNumber(x, serial.get()) != 1) return fail("cannot set serial");
  time_t t = static_cast<time_t>(now.time_since_epoch().count());
  if (ASN1_TIME_adj(X509_getm_notBefore(x), t, 0, -kBackdateSeconds) == nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(x), t, seconds > 0 ? 0 : days, seconds > 0 ? seconds : 0) ==
          nullptr) {
    return fail("cannot set validity");
  }
  return {};
}

// An extension from OpenSSL's configuration syntax (constant strings only, never user input).
Expected<void, std::string> add_ext(X509* x, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
    return fail(std::string("cannot add extension ") + OBJ_nid2sn(nid));
  }
  return {};
}

Expected<void, std::string> push_ia5_name(GENERAL_NAMES* names, int type, const std::string& text) {
  GeneralNamePtr name(GENERAL_NAME_new());
  Asn1StringPtr value(ASN1_IA5STRING_new());
  if (!name || !value ||
      ASN1_STRING_set(value.get(), text.data(), static_cast<int>(text.size())) != 1) {
    return fail("cannot build subjectAltName");
  }
  GENERAL_NAME_set0_value(name.get(), type, value.release());
  if (OPENSSL_sk_push(reinterpret_cast<OPENSSL_STACK*>(names), name.get()) <= 0) {
    return fail("cannot build subjectAltName");
  }
  name.release();
  return {};
}

Expected<void, std::string> add_san(X509* x, const std::vector<std::pair<int, std::string>>& entries,
                                    bool critical) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return fail("out of memory");
  for (const auto& [type, text] : entries) {
    auto ok = push_ia5_name(names.get(), type, text);
    if (!ok) return ok;
  }
  if (X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), critical ? 1 : 0,
                    X509V3_ADD_DEFAULT) != 1) {
    return fail("cannot add subjectAltName");
  }
  return {};
}

Expected<Bytes, std::string> sign_and_encode(X509* x, const PrivateKey& key) {
  if (X509_sign(x, key.get(), EVP_sha256()) <= 0) return unexpected(openssl_error("cannot sign certificate"));
  int len = i2d_X509(x, nullptr);
  if (len <= 0) return unexpected(openssl_error("cannot encode certificate"));
  Bytes der(static_cast<std::size_t>(len));
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(x, &out);
  return der;
}

Expected<Bytes, std::string> make_root(const std::string& overlay, const PrivateKey& key, int days,
                                       SysSeconds now) {
  X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1) return unexpected(openssl_error("X509_new"));
  auto ok = set_serial_and_validity(x.get(), days, now);
  X509_NAME* name = X509_get_subject_name(x.get());
  std::string cn = overlay + " RELOAD root";
  if (ok && (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                        -1, 0) != 1 ||
             X509_set_issuer_name(x.get(), name) != 1 || X509_set_pubkey(x.get(), key.get()) != 1)) {
    ok = fail("cannot set root names");
  }
  if (ok) ok = add_ext(x.get(), x.get(), NID_basic_constraints, "critical,CA:TRUE");
  if (ok) ok = add_ext(x.get(), x.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  if (ok) ok = add_ext(x.get(), x.get(), NID_subject_key_identifier, "hash");
  if (ok) ok = add_ext(x.get(), x.get(), NID_authority_key_identifier, "keyid:always");
  if (ok) ok = add_san(x.get(), {{GEN_DNS, overlay}}, false);
  if (!ok) return unexpected(ok.error());
  return sign_and_encode(x.get(), key);
}

}  // namespace

Expected<NodeId, std::string> random_node_id() {
  NodeId id{};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), static_cast<int>(id.size())) != 1) {
    return unexpected(openssl_error("no randomness for a Node-ID"));
  }
  return id;
}

Expected<void, std::string> validate_request(const IssueRequest& r) {
  if (!is_valid_user_name(r.user)) {
    return unexpected("user '" + r.user.substr(0, 120) + "' is not of the form user@domain");
  }
  if (r.node_ids.empty() || r.node_ids.size() > kMaxNodeIdsPerCertificate) {
    return unexpected("a certificate holds 1 to " + std::to_string(kMaxNodeIdsPerCertificate) +
                      " Node-IDs");
  }
  for (std::size_t i = 0; i < r.node_ids.size(); ++i) {
    if (std::count(r.node_ids.begin(), r.node_ids.end(), r.node_ids[i]) > 1) {
      return unexpected("Node-ID " + node_id_hex(r.node_ids[i]) + " given twice");
    }
  }
  if (r.days < 1 || r.days > kMaxDays) {
    return unexpected("days must be between 1 and " + std::to_string(kMaxDays));
  }
  return {};
}

Expected<CertificateAuthority, std::string> CertificateAuthority::create(const std::string& overlay,
                                                                         KeyType key_type, int days,
                                                                         SysSeconds now) {
  if (!is_valid_overlay_name(overlay)) {
    return unexpected("overlay name '" + overlay.substr(0, 120) + "' is not a DNS-style name");
  }
  if (days < 1 || days > kMaxDays) return unexpected("days must be between 1 and " + std::to_string(kMaxDays));
  auto key = PrivateKey::generate(key_type);
  if (!key) return unexpected(key.error());
  std::string lowered = overlay;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  auto der = make_root(lowered, *key, days, now);
  if (!der) return unexpected(der.error());
  auto root = RootCertificate::from_der(*der);
  if (!root) return unexpected(root.error());
  return from_parts(std::move(root).value(), std::move(key).value());
}

Expected<CertificateAuthority, std::string> CertificateAuthority::from_parts(RootCertificate root,
                                                                             PrivateKey key) {
  if (root.overlay().empty()) {
    return unexpected(std::string("root certificate names no overlay (no subjectAltName dNSName)"));
  }
  if (X509_check_private_key(root.x509(), key.get()) != 1) {
    return unexpected(openssl_error("CA key does not match the root certificate"));
  }
  return CertificateAuthority(std::move(root), std::move(key));
}

Expected<IssuedCredentials, std::string> CertificateAuthority::issue(const IssueRequest& request,
                                                                     SysSeconds now) const {
  auto valid = validate_request(request);
  if (!valid) return unexpected(valid.error());
  auto key = PrivateKey::generate(request.key_type);
  if (!key) return unexpected(key.error());
  auto der = certify(key->get(), request, now);
  if (!der) return unexpected(der.error());
  auto cert = Certificate::from_der(*der, overlay());
  if (!cert) return unexpected("issued certificate does not parse back: " + cert.error());
  return IssuedCredentials{std::move(cert).value(), std::move(key).value()};
}

Expected<Bytes, std::string> CertificateAuthority::certify(EVP_PKEY* public_key,
                                                           const IssueRequest& request,
                                                           SysSeconds now) const {
  auto ok = validate_request(request);
  if (!ok) return unexpected(ok.error());
  auto type = classify_key(public_key);
  if (!type) return unexpected(type.error());
  X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1) return unexpected(openssl_error("X509_new"));
  ok = set_serial_and_validity(x.get(), request.days, now, request.seconds);
  X509* issuer = root_.x509();
  if (ok && (X509_set_issuer_name(x.get(), X509_get_subject_name(issuer)) != 1 ||
             X509_set_pubkey(x.get(), public_key) != 1)) {
    ok = fail("cannot set issuer or key");
  }
  const char* usage = *type == KeyType::rsa2048 ? "critical,digitalSignature,keyEncipherment"
                                                : "critical,digitalSignature";
  if (ok) ok = add_ext(x.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
  if (ok) ok = add_ext(x.get(), issuer, NID_key_usage, usage);
  if (ok) ok = add_ext(x.get(), issuer, NID_ext_key_usage, "serverAuth,clientAuth");
  if (ok) ok = add_ext(x.get(), issuer, NID_subject_key_identifier, "hash");
  if (ok) ok = add_ext(x.get(), issuer, NID_authority_key_identifier, "keyid:always");
  std::vector<std::pair<int, std::string>> names;
  for (const NodeId& id : request.node_ids) names.emplace_back(GEN_URI, reload_uri(id, overlay()));
  names.emplace_back(GEN_EMAIL, request.user);
  if (ok) ok = add_san(x.get(), names, true);
  if (!ok) return unexpected(ok.error());
  return sign_and_encode(x.get(), key_);
}

}  // namespace p2psip::security
