// Verification of an XML document's enveloped signature (docs/SIGNATURES.md): the gateway's own seals, and the
// signatures agencies and people put on what they send. Only one shape is accepted, the one the gateway makes
// itself: exactly one ds:Signature, a child of the root element, with one Reference to the whole document (URI=""),
// the enveloped-signature and exclusive c14n transforms, a supported algorithm, and the signer's certificate in
// KeyInfo/X509Data. Anything else (a signature over part of the document, other references or transforms: the
// ways of signature wrapping) is refused before a byte is digested. Signatures deeper inside the document are content
// the signature covers, not signatures of the document.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "seal/algorithms.h"
#include "xml/safe_xml.h"

struct _xmlNode;  // libxml2's node, for a private helper

namespace mezhved::seal {

// CA certificates and revocation lists, PEM files.
struct TrustSource {
  std::vector<std::string> ca_files;   // each may hold several certificates
  std::vector<std::string> crl_files;  // each may hold several CRLs
};

class TrustStore {
 public:
  // CONFIG_INVALID naming the file that cannot be read or holds no certificate or CRL.
  static StatusOr<std::shared_ptr<const TrustStore>> Load(const TrustSource& source);
  // Trusts exactly these certificates (DER), whoever issued them: the gateway's own sealing certificates, current
  // and earlier, for checking its own seals. CONFIG_INVALID when one does not decode.
  static StatusOr<std::shared_ptr<const TrustStore>> ForCertificates(const std::vector<std::string>& der_certificates);
  ~TrustStore();
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit TrustStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct VerifiedSignature {
  Algorithm algorithm = Algorithm::kRsaSha256;
  std::string subject;             // the signer's certificate
  std::string common_name;         // its subject's CN
  std::string certificate_sha256;  // lowercase hex
};

// `document` without its ds:Signature (the one child of the root element that Verify accepts), re-serialized: the
// signed content, for checks that know nothing of signatures (an information type's XSD). The document itself as it
// was when it has no signature. Errors as xml::ParseUntrusted.
StatusOr<std::string> WithoutSignature(std::string_view document, const xml::XmlLimits& limits, std::string_view field);

class SignatureVerifier {
 public:
  SignatureVerifier(std::shared_ptr<const TrustStore> trust, xml::XmlLimits limits);

  // Checks the signature of `document` and its signer's certificate, at the instant `at_ms`. Errors, each with one
  // FieldError on `field`:
  //   UNSAFE_XML, INVALID_XML, MESSAGE_TOO_LARGE  the document itself (xml::ParseUntrusted);
  //   SIGNATURE_MISSING      no ds:Signature;
  //   SIGNATURE_MALFORMED    not the one accepted shape (above), or an unsupported algorithm;
  //   CERTIFICATE_UNTRUSTED  no certificate, or one that does not chain to the trust store;
  //   CERTIFICATE_EXPIRED    not valid at `at_ms` (or its chain is not);
  //   CERTIFICATE_REVOKED    on a CRL of the trust store;
  //   SIGNATURE_INVALID      the digest or the signature value does not match (a changed byte, another key).
  // Thread-safe.
  StatusOr<VerifiedSignature> Verify(std::string_view document, UnixMillis at_ms, std::string_view field) const;

  // A signature over one element by its Id, beside it: the SOAP API's CallerInformationSystemSignature over the
  // data block (docs/SOAP.md). `document`'s root holds exactly the signed element, with the document's only
  // Id="`id`", then one ds:Signature whose one Reference is URI="#`id`" with the exclusive c14n transform only; the
  // rest as Verify (SignedInfo, algorithms, KeyInfo, certificate checks), with the same errors. Thread-safe.
  StatusOr<VerifiedSignature> VerifyReferenced(std::string_view document, std::string_view id, UnixMillis at_ms,
                                               std::string_view field) const;

 private:
  StatusOr<VerifiedSignature> VerifySignature(::_xmlNode* signature, std::string_view referenced_id, UnixMillis at_ms,
                                              std::string_view field) const;

  std::shared_ptr<const TrustStore> trust_;
  xml::XmlLimits limits_;
};

}  // namespace mezhved::seal
