#include "overlay/api/usage_glue.h"

#include "overlay/storage/bad_node_filter.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/storage/signature_memo.h"

namespace p2psip::overlay {

void NodeRequestSender::send(const wire::ResourceId& resource, wire::MessageCode code, Bytes body,
                             storage::RequestSigner signer, usage::AnswerCallback done) {
  auto shared = std::make_shared<usage::AnswerCallback>(std::move(done));
  auto id = node_.send_request(
      wire::Destination::resource(resource), code, std::move(body),
      [shared](const peer::RequestResult& r) {
        if (!*shared) return;
        auto cb = std::move(*shared);
        *shared = nullptr;
        cb(r);
      },
      {}, std::move(signer));
  if (id == 0 && *shared) {  // not started: no callback will come
    auto cb = std::move(*shared);
    *shared = nullptr;
    cb(usage::OverlayAnswer{});
  }
}

std::vector<security::RootCertificate> copy_roots(
    const std::vector<security::RootCertificate>& roots) {
  std::vector<security::RootCertificate> out;
  for (const auto& r : roots) {
    if (auto c = security::RootCertificate::from_der(r.der())) out.push_back(std::move(*c));
  }
  return out;
}

// Sized for the AoRs a gateway looks up within the memos' max_age (60 s). Each registration is
// signed by its own user's certificate, so with more AoRs than entries a memo is cleared
// (TimedMemo starts over when full) before any entry is used again: with 10,000 callees and
// the former 1,024 / 4,096 every lookup parsed and chained its certificate and verified the
// value again (bench/RESULTS-sip.md, 2026-12-06 20:15: ~1,700 us per call). Only certificates
// that chained to the overlay's roots and signatures that verified go in; a certificate held
// costs a few KB (parsed X509, public key, DER).
constexpr std::size_t kDataCertificates = 16384;
constexpr std::size_t kDataSignatures = 16384;

ChainVerifiers chain_verifiers(std::vector<security::RootCertificate> roots, std::string overlay,
                               const Clock& clock, security::BadNodes* bad_nodes) {
  auto shared = std::make_shared<std::vector<security::RootCertificate>>(std::move(roots));
  // Both caches outlive single lookups: the same certificates and the same stored values come
  // back on every lookup of an AoR.
  auto cache = std::make_shared<storage::VerifiedCertificateCache>(kDataCertificates);
  auto memo = std::make_shared<storage::SignatureMemo>(kDataSignatures);
  // Roots are only read (X509_STORE built per chain check), so both threads may share them.
  auto memoized = [shared, cache, memo, overlay = std::move(overlay), &clock](
                      std::span<const wire::GenericCertificate> certs) {
    security::SysSeconds now{std::chrono::seconds{clock.wall_ms() / 1000}};
    auto chained = std::make_unique<storage::CertificateVerifier>(
        storage::CertificateVerifier::from_block(certs, *shared, now, overlay, cache.get()));
    return std::make_unique<storage::MemoizingVerifier>(std::move(chained), memo, now);
  };
  ChainVerifiers out;
  out.certificates = cache;
  out.signatures = memo;
  out.prewarm = [memoized](std::span<const wire::GenericCertificate> certs)
      -> std::unique_ptr<storage::DataVerifier> { return memoized(certs); };
  out.lookup = [memoized, bad_nodes](std::span<const wire::GenericCertificate> certs)
      -> std::unique_ptr<storage::DataVerifier> {
    auto v = memoized(certs);
    if (!bad_nodes) return v;
    return std::make_unique<storage::BadNodeFilter>(std::move(v), *bad_nodes);
  };
  return out;
}

usage::VerifierFactory chain_verifier(std::vector<security::RootCertificate> roots,
                                      std::string overlay, const Clock& clock,
                                      security::BadNodes* bad_nodes) {
  return chain_verifiers(std::move(roots), std::move(overlay), clock, bad_nodes).lookup;
}

peer::VerifyWorker::AfterVerified prewarm_fetch_answers(usage::VerifierFactory prewarm) {
  return [prewarm = std::move(prewarm)](const peer::AnswerToRequest& a) {
    if (a.message.contents.code() != wire::MessageCode::kFetchAns) return;
    const wire::ResourceId* resource = a.target.resource_id();
    if (!resource) return;
    // The same certificates the loop's lookup gets (RequestResult::certificates).
    auto verifier = prewarm(a.message.security.certificates);
    if (verifier) usage::preverify_registrations(a.message.contents.message_body, *resource, *verifier);
  };
}

Expected<usage::Registrant, std::string> make_registrant(const peer::NodeCredentials& c) {
  auto pem = c.key.to_pem();
  if (!pem) return unexpected(pem.error());
  auto key = security::PrivateKey::from_pem(*pem);
  if (!key) return unexpected(key.error());
  if (c.cert.node_ids().empty()) return unexpected(std::string("certificate has no Node-ID"));
  usage::Registrant r;
  r.node = wire::NodeId(c.cert.node_ids().front());
  r.certificates.push_back(wire::GenericCertificate{
      wire::CertificateType::kX509, Bytes(c.cert.der().begin(), c.cert.der().end())});
  r.signer = std::make_shared<storage::CertificateSigner>(c.cert, std::move(*key));
  return r;
}

}  // namespace p2psip::overlay
