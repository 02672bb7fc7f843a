#include "seal/sealer.h"

#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <utility>

#include "seal/crypto.h"
#include "seal/keys_internal.h"
#include "seal/xmlsec_util.h"
#include "xml/document.h"

namespace mezhved::seal {
namespace {

// The gateway seals its own documents, which its limits on payloads and envelopes already bound: these limits
// only keep a bug from feeding xmlsec1 something pathological.
xml::XmlLimits OwnDocumentLimits() {
  xml::XmlLimits limits;
  limits.max_bytes = 64 << 20;
  limits.max_text_bytes = 64 << 20;
  limits.max_elements = 1'000'000;
  return limits;
}

}  // namespace

// The ds:Signature element every seal starts from, built once per key.
struct Sealer::Template {
  xml::DocumentPtr document;  // its root element is the ds:Signature template
};

StatusOr<std::unique_ptr<Sealer>> Sealer::Create(std::shared_ptr<const SealingKey> key) {
  auto signature_template = std::make_unique<Template>();
  signature_template->document.reset(xmlNewDoc(BAD_CAST "1.0"));
  xmlDocPtr document = signature_template->document.get();
  const TransformIds ids = TransformIdsOf(key->algorithm());
  xmlNodePtr signature =
      xmlSecTmplSignatureCreateNsPref(document, xmlSecTransformExclC14NId, ids.signature, nullptr, BAD_CAST "ds");
  if (document == nullptr || signature == nullptr) {
    return Status(ErrorCode::kInternal, "xmlsec1 cannot make a signature template: " + LastXmlsecError());
  }
  xmlDocSetRootElement(document, signature);
  xmlNodePtr reference = xmlSecTmplSignatureAddReference(signature, ids.digest, nullptr, BAD_CAST "", nullptr);
  xmlNodePtr key_info = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
  xmlNodePtr x509_data = key_info == nullptr ? nullptr : xmlSecTmplKeyInfoAddX509Data(key_info);
  const bool built = reference != nullptr && xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) &&
                     xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NId) && x509_data != nullptr &&
                     xmlSecTmplX509DataAddCertificate(x509_data) != nullptr;
  if (!built) {
    return Status(ErrorCode::kInternal, "xmlsec1 cannot make a signature template: " + LastXmlsecError());
  }
  return std::unique_ptr<Sealer>(new Sealer(std::move(key), std::move(signature_template)));
}

Sealer::Sealer(std::shared_ptr<const SealingKey> key, std::unique_ptr<Template> signature_template)
    : key_(std::move(key)), template_(std::move(signature_template)) {}

Sealer::~Sealer() = default;

StatusOr<std::string> Sealer::Seal(std::string_view document) const {
  StatusOr<xml::DocumentPtr> parsed = xml::ParseUntrusted(document, OwnDocumentLimits(), "document");
  MEZHVED_RETURN_IF_ERROR(parsed.status());
  xmlNodePtr root = xmlDocGetRootElement(parsed->get());
  xmlNodePtr signature = xmlDocCopyNode(xmlDocGetRootElement(template_->document.get()), parsed->get(), 1);
  if (signature == nullptr || xmlAddChild(root, signature) == nullptr) {
    xmlFreeNode(signature);
    return Status(ErrorCode::kInternal, "cannot add the signature to the document");
  }
  xmlSecDSigCtx context;
  if (xmlSecDSigCtxInitialize(&context, nullptr) < 0) {
    return Status(ErrorCode::kInternal, "xmlsec1 cannot make a signature context: " + LastXmlsecError());
  }
  context.signKey = xmlSecKeyDuplicate(key_->impl().key);  // the context destroys it
  const int signed_ok = context.signKey != nullptr ? xmlSecDSigCtxSign(&context, signature) : -1;
  xmlSecDSigCtxFinalize(&context);
  if (signed_ok < 0) {
    return Status(ErrorCode::kInternal, "xmlsec1 cannot sign: " + LastXmlsecError());
  }
  return Serialized(parsed->get());
}

}  // namespace mezhved::seal
