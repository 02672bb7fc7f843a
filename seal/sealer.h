// The gateway's seal (docs/SIGNATURES.md): an enveloped XMLDSig signature over a whole XML document, with exclusive
// canonicalization, made with the gateway's key and carrying its certificate, so that anyone with the gateway's
// published certificate can check that the document is the one the gateway accepted.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "seal/keys.h"

namespace mezhved::seal {

class Sealer {
 public:
  // Prepares the signature template for the key's algorithm once; every Seal copies it.
  static StatusOr<std::unique_ptr<Sealer>> Create(std::shared_ptr<const SealingKey> key);
  ~Sealer();
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;

  // `document` with a ds:Signature appended as the last child of its root element: one Reference to the whole
  // document (URI=""), transforms enveloped-signature and exclusive c14n, the key's digest and signature
  // algorithms, KeyInfo/X509Data with the certificate. The document is the gateway's own (it built it), parsed with
  // the same limits as untrusted XML all the same. INVALID_XML or UNSAFE_XML for a document that is not fit to
  // sign; INTERNAL when xmlsec1 fails. Thread-safe.
  StatusOr<std::string> Seal(std::string_view document) const;

  const SealingKey& key() const { return *key_; }

 private:
  struct Template;
  Sealer(std::shared_ptr<const SealingKey> key, std::unique_ptr<Template> signature_template);

  std::shared_ptr<const SealingKey> key_;
  std::unique_ptr<Template> template_;
};

}  // namespace mezhved::seal
