#pragma once
// A RequestSender for the usage tests: a real DataStore behind handle_storage_request (store
// signatures checked against the certificates the request carried), or scripted answers.

#include <deque>
#include <memory>

#include "overlay/storage/service.h"
#include "overlay/usage/request_sender.h"
#include "overlay/usage/sip_usage_client.h"
#include "storage_fixture.h"

namespace p2psip::usage::test {

using namespace p2psip::storage::test;

inline wire::GenericCertificate generic(const security::Certificate& c) {
  return wire::GenericCertificate{wire::CertificateType::kX509,
                                  Bytes(c.der().begin(), c.der().end())};
}

// Trusts exactly the certificates handed in (the real factory also checks the chain).
inline std::unique_ptr<storage::DataVerifier> carried(
    std::span<const wire::GenericCertificate> certs) {
  std::vector<security::Certificate> ok;
  for (const auto& g : certs) {
    if (auto c = security::Certificate::from_der(g.certificate, "p2p.example.com")) {
      ok.push_back(std::move(*c));
    }
  }
  return std::make_unique<storage::CertificateVerifier>(std::move(ok));
}

inline Registrant registrant(const Party& p) {
  // Not owning: the fixture's parties live for the whole process.
  std::shared_ptr<storage::DataSigner> signer(std::shared_ptr<void>{},
                                              const_cast<storage::CertificateSigner*>(&p.signer));
  return Registrant{p.node, std::move(signer), {generic(p.cert)}};
}

struct FakeOverlay final : RequestSender {
  struct Sent {
    wire::MessageCode code;
    Bytes body;
    storage::RequestSigner signer;  // who signs the request in place of the node
  };
  storage::DataStore store{registry()};
  std::vector<wire::GenericCertificate> answer_certs{generic(alice().cert), generic(bob().cert)};
  std::deque<OverlayAnswer> scripted;  // answered first, in order
  std::vector<Sent> sent;

  void send(const wire::ResourceId&, wire::MessageCode code, Bytes body,
            storage::RequestSigner signer, AnswerCallback done) override {
    sent.push_back({code, body, signer});
    if (!scripted.empty()) {
      OverlayAnswer a = std::move(scripted.front());
      scripted.pop_front();
      return done(std::move(a));
    }
    auto v = carried(signer.certificates);
    auto ans = storage::handle_storage_request(store, registry(), code, body, {kNow, true}, *v);
    OverlayAnswer a;
    a.outcome = ans.code == wire::MessageCode::kError ? OverlayAnswer::Outcome::kError
                                                     : OverlayAnswer::Outcome::kAnswer;
    a.code = ans.code;
    a.body = std::move(ans.body);
    a.certificates = answer_certs;
    done(std::move(a));
  }
};

}  // namespace p2psip::usage::test
