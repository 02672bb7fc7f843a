#include "seal/verifier.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/strings.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <utility>

#include "common/digest.h"
#include "seal/crypto.h"
#include "seal/openssl_util.h"
#include "seal/xmlsec_util.h"
#include "xml/document.h"

namespace mezhved::seal {

struct TrustStore::Impl {
  X509_STORE* store = X509_STORE_new();
  bool has_crls = false;
  bool trust_listed = false;  // the listed certificates are trust anchors themselves, CA or not

  Impl() = default;
  ~Impl() { X509_STORE_free(store); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

namespace {

using xml::AttributeOf;

constexpr std::string_view kExclusiveC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr std::string_view kEnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct StoreContextFree {
  void operator()(X509_STORE_CTX* context) const { X509_STORE_CTX_free(context); }
};
struct CertificateStackFree {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};

Status Refused(ErrorCode code, std::string_view field, std::string_view violation, const std::string& why) {
  return Status(code, std::string(field) + ": " + why, {{std::string(field), std::string(violation), why}});
}

Status Malformed(std::string_view field, const std::string& why) {
  return Refused(ErrorCode::kSignatureMalformed, field, "SIGNATURE_MALFORMED", why);
}

// ---- The one accepted shape.

bool HasAttribute(xmlNodePtr node, const char* name) { return xmlHasProp(node, BAD_CAST name) != nullptr; }

// The element children of `parent`, which must be exactly the ds: elements named, in that order.
StatusOr<std::vector<xmlNodePtr>> ChildrenNamed(xmlNodePtr parent, const std::vector<const char*>& names,
                                                std::string_view field) {
  std::vector<xmlNodePtr> children;
  for (xmlNodePtr child = xmlSecGetNextElementNode(parent->children); child != nullptr;
       child = xmlSecGetNextElementNode(child->next)) {
    children.push_back(child);
  }
  const std::string where = reinterpret_cast<const char*>(parent->name);
  if (children.size() != names.size()) {
    return Malformed(field, where + " must hold exactly " + std::to_string(names.size()) + " elements");
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (xmlSecCheckNodeName(children[i], BAD_CAST names[i], xmlSecDSigNs) == 0) {
      return Malformed(field, where + ": element " + std::to_string(i + 1) + " must be ds:" + names[i]);
    }
  }
  return children;
}

// The Reference. Enveloped (`referenced_id` empty): the whole document, through enveloped-signature and exclusive
// c14n. Referenced: the element with that Id, through exclusive c14n only. Digested as the algorithm says.
Status CheckReference(xmlNodePtr reference, Algorithm algorithm, std::string_view referenced_id,
                      std::string_view field) {
  const std::string uri = referenced_id.empty() ? std::string() : "#" + std::string(referenced_id);
  if (!HasAttribute(reference, "URI") || AttributeOf(reference, "URI") != uri) {
    return Malformed(field, referenced_id.empty()
                                ? "the Reference must cover the whole document (URI=\"\"), not a part of it"
                                : "the Reference must be URI=\"" + uri + "\", the signed block's Id");
  }
  StatusOr<std::vector<xmlNodePtr>> parts =
      ChildrenNamed(reference, {"Transforms", "DigestMethod", "DigestValue"}, field);
  MEZHVED_RETURN_IF_ERROR(parts.status());
  if (referenced_id.empty()) {
    StatusOr<std::vector<xmlNodePtr>> transforms = ChildrenNamed((*parts)[0], {"Transform", "Transform"}, field);
    MEZHVED_RETURN_IF_ERROR(transforms.status());
    if (AttributeOf((*transforms)[0], "Algorithm") != kEnvelopedSignature ||
        AttributeOf((*transforms)[1], "Algorithm") != kExclusiveC14n) {
      return Malformed(field, "the transforms must be enveloped-signature, then exclusive c14n");
    }
  } else {
    StatusOr<std::vector<xmlNodePtr>> transforms = ChildrenNamed((*parts)[0], {"Transform"}, field);
    MEZHVED_RETURN_IF_ERROR(transforms.status());
    if (AttributeOf((*transforms)[0], "Algorithm") != kExclusiveC14n) {
      return Malformed(field, "the one transform must be exclusive c14n");
    }
  }
  if (AttributeOf((*parts)[1], "Algorithm") != UrisOf(algorithm).digest) {
    return Malformed(field, "the DigestMethod must be " + std::string(UrisOf(algorithm).digest));
  }
  return Status::Ok();
}

// The algorithm of a signature of the accepted shape.
StatusOr<Algorithm> CheckShape(xmlNodePtr signature, std::string_view referenced_id, std::string_view field) {
  StatusOr<std::vector<xmlNodePtr>> parts =
      ChildrenNamed(signature, {"SignedInfo", "SignatureValue", "KeyInfo"}, field);
  MEZHVED_RETURN_IF_ERROR(parts.status());
  StatusOr<std::vector<xmlNodePtr>> signed_info =
      ChildrenNamed((*parts)[0], {"CanonicalizationMethod", "SignatureMethod", "Reference"}, field);
  MEZHVED_RETURN_IF_ERROR(signed_info.status());
  if (AttributeOf((*signed_info)[0], "Algorithm") != kExclusiveC14n) {
    return Malformed(field, "the CanonicalizationMethod must be exclusive c14n");
  }
  const std::string method = AttributeOf((*signed_info)[1], "Algorithm");
  const std::optional<Algorithm> algorithm = AlgorithmOfSignatureUri(method);
  if (!algorithm) {
    return Malformed(field, "unsupported SignatureMethod '" + method + "'");
  }
  MEZHVED_RETURN_IF_ERROR(CheckReference((*signed_info)[2], *algorithm, referenced_id, field));
  return *algorithm;
}

// How many elements under `node` (itself included) carry Id="`id`".
int CountIds(xmlNodePtr node, std::string_view id) {
  int count = AttributeOf(node, "Id") == id ? 1 : 0;
  for (xmlNodePtr child = xmlSecGetNextElementNode(node->children); child != nullptr;
       child = xmlSecGetNextElementNode(child->next)) {
    count += CountIds(child, id);
  }
  return count;
}

std::string CommonNameOf(X509* certificate) {
  char name[256] = {};
  return X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof(name)) > 0
             ? std::string(name)
             : std::string();
}

// ---- The signer's certificate.

X509Ptr DecodeCertificate(xmlNodePtr node) {
  xmlChar* content = xmlNodeGetContent(node);
  std::string base64 = content == nullptr ? "" : reinterpret_cast<const char*>(content);
  xmlFree(content);
  base64.erase(std::remove_if(base64.begin(), base64.end(), [](unsigned char c) { return std::isspace(c) != 0; }),
               base64.end());
  std::string der(base64.size() / 4 * 3 + 3, '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()),
                      reinterpret_cast<const unsigned char*>(base64.data()), static_cast<int>(base64.size()));
  if (length <= 0) {
    return nullptr;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &bytes, length));
}

// KeyInfo/X509Data/X509Certificate elements: the first is the signer's, the others may help build its chain.
StatusOr<std::vector<X509Ptr>> CertificatesOf(xmlNodePtr key_info, std::string_view field) {
  std::vector<X509Ptr> certificates;
  for (xmlNodePtr data = xmlSecGetNextElementNode(key_info->children); data != nullptr;
       data = xmlSecGetNextElementNode(data->next)) {
    if (xmlSecCheckNodeName(data, BAD_CAST "X509Data", xmlSecDSigNs) == 0) {
      continue;
    }
    for (xmlNodePtr node = xmlSecGetNextElementNode(data->children); node != nullptr;
         node = xmlSecGetNextElementNode(node->next)) {
      if (xmlSecCheckNodeName(node, BAD_CAST "X509Certificate", xmlSecDSigNs) == 0) {
        continue;
      }
      X509Ptr certificate = DecodeCertificate(node);
      if (certificate == nullptr) {
        ERR_clear_error();
        return Refused(ErrorCode::kCertificateUntrusted, field, "CERTIFICATE_UNTRUSTED",
                       "an X509Certificate is not a DER certificate in base64");
      }
      certificates.push_back(std::move(certificate));
    }
  }
  if (certificates.empty()) {
    return Refused(ErrorCode::kCertificateUntrusted, field, "CERTIFICATE_UNTRUSTED",
                   "the signature carries no certificate (KeyInfo/X509Data/X509Certificate)");
  }
  return certificates;
}

Status CheckChain(const TrustStore::Impl& trust, const std::vector<X509Ptr>& certificates, UnixMillis at_ms,
                  std::string_view field) {
  std::unique_ptr<STACK_OF(X509), CertificateStackFree> untrusted(sk_X509_new_null());
  for (size_t i = 1; i < certificates.size(); ++i) {
    X509_up_ref(certificates[i].get());
    sk_X509_push(untrusted.get(), certificates[i].get());
  }
  std::unique_ptr<X509_STORE_CTX, StoreContextFree> context(X509_STORE_CTX_new());
  if (context == nullptr ||
      X509_STORE_CTX_init(context.get(), trust.store, certificates[0].get(), untrusted.get()) != 1) {
    return {ErrorCode::kInternal, "OpenSSL cannot check a certificate: " + TakeOpenSslErrors()};
  }
  X509_VERIFY_PARAM* parameters = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_time(parameters, static_cast<time_t>(at_ms / 1000));
  if (trust.has_crls) {
    X509_VERIFY_PARAM_set_flags(parameters, X509_V_FLAG_CRL_CHECK);
  }
  if (trust.trust_listed) {
    X509_VERIFY_PARAM_set_flags(parameters, X509_V_FLAG_PARTIAL_CHAIN);
  }
  const int verified = X509_verify_cert(context.get());
  const int error = X509_STORE_CTX_get_error(context.get());
  ERR_clear_error();
  if (verified == 1) {
    return Status::Ok();
  }
  const std::string why = std::string("the signer's certificate (") + SubjectOf(certificates[0].get()) +
                          "): " + X509_verify_cert_error_string(error);
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return Refused(ErrorCode::kCertificateExpired, field, "CERTIFICATE_EXPIRED", why);
    case X509_V_ERR_CERT_REVOKED:
      return Refused(ErrorCode::kCertificateRevoked, field, "CERTIFICATE_REVOKED", why);
    default:
      return Refused(ErrorCode::kCertificateUntrusted, field, "CERTIFICATE_UNTRUSTED", why);
  }
}

// ---- The signature itself.

Status CheckSignatureValue(xmlNodePtr signature, X509* certificate, Algorithm algorithm, bool referenced,
                           std::string_view field) {
  EvpPkeyPtr public_key(X509_get_pubkey(certificate));
  if (public_key == nullptr || AlgorithmOfKey(public_key.get()) != algorithm) {
    ERR_clear_error();
    return Refused(ErrorCode::kSignatureInvalid, field, "SIGNATURE_INVALID",
                   "the certificate's key is not a " + std::string(NameOf(algorithm)) + " key");
  }
  xmlSecKeyPtr key = xmlSecKeyCreate();
  xmlSecKeyDataPtr value = key == nullptr ? nullptr : xmlSecOpenSSLEvpKeyAdopt(public_key.get());
  if (value == nullptr || xmlSecKeySetValue(key, value) < 0) {
    xmlSecKeyDestroy(key);
    return {ErrorCode::kInternal, "xmlsec1 cannot take the certificate's key: " + LastXmlsecError()};
  }
  static_cast<void>(public_key.release());  // adopted by `value`

  xmlSecDSigCtx context;
  if (xmlSecDSigCtxInitialize(&context, nullptr) < 0) {
    xmlSecKeyDestroy(key);
    return {ErrorCode::kInternal, "xmlsec1 cannot make a signature context: " + LastXmlsecError()};
  }
  context.signKey = key;  // the context destroys it; KeyInfo is not used to find another
  context.enabledReferenceUris = referenced ? xmlSecTransformUriTypeSameDocument : xmlSecTransformUriTypeEmpty;
  const TransformIds ids = TransformIdsOf(algorithm);
  const bool restricted =
      (referenced || xmlSecDSigCtxEnableReferenceTransform(&context, xmlSecTransformEnvelopedId) == 0) &&
      xmlSecDSigCtxEnableReferenceTransform(&context, xmlSecTransformExclC14NId) == 0 &&
      xmlSecDSigCtxEnableReferenceTransform(&context, ids.digest) == 0 &&
      xmlSecDSigCtxEnableSignatureTransform(&context, xmlSecTransformExclC14NId) == 0 &&
      xmlSecDSigCtxEnableSignatureTransform(&context, ids.signature) == 0;
  const int processed = restricted ? xmlSecDSigCtxVerify(&context, signature) : -1;
  const bool valid = processed == 0 && context.status == xmlSecDSigStatusSucceeded;
  xmlSecDSigCtxFinalize(&context);
  if (processed < 0) {
    return Malformed(field, "xmlsec1 cannot process the signature: " + LastXmlsecError());
  }
  if (!valid) {
    return Refused(ErrorCode::kSignatureInvalid, field, "SIGNATURE_INVALID",
                   "the signature does not match the document and the certificate");
  }
  return Status::Ok();
}

}  // namespace

// ---- TrustStore

StatusOr<std::shared_ptr<const TrustStore>> TrustStore::Load(const TrustSource& source) {
  auto impl = std::make_unique<Impl>();
  const auto read_each = [&](const std::string& file, const char* what, auto&& add) -> Status {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_file(file.c_str(), "r"));
    if (bio == nullptr) {
      return {ErrorCode::kConfigInvalid,
              "the trust store's " + std::string(what) + " file " + file + " cannot be read"};
    }
    int count = 0;
    while (add(bio.get())) {
      ++count;
    }
    ERR_clear_error();  // the end of the file reads as an error
    if (count == 0) {
      return {ErrorCode::kConfigInvalid, file + " holds no PEM " + std::string(what)};
    }
    return Status::Ok();
  };
  for (const std::string& file : source.ca_files) {
    MEZHVED_RETURN_IF_ERROR(read_each(file, "certificate", [&](BIO* bio) {
      X509Ptr certificate(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
      return certificate != nullptr && X509_STORE_add_cert(impl->store, certificate.get()) == 1;
    }));
  }
  for (const std::string& file : source.crl_files) {
    MEZHVED_RETURN_IF_ERROR(read_each(file, "CRL", [&](BIO* bio) {
      std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr),
                                                              &X509_CRL_free);
      return crl != nullptr && X509_STORE_add_crl(impl->store, crl.get()) == 1;
    }));
    impl->has_crls = true;
  }
  return std::shared_ptr<const TrustStore>(new TrustStore(std::move(impl)));
}

StatusOr<std::shared_ptr<const TrustStore>> TrustStore::ForCertificates(
    const std::vector<std::string>& der_certificates) {
  auto impl = std::make_unique<Impl>();
  impl->trust_listed = true;
  for (const std::string& der : der_certificates) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
    X509Ptr certificate(d2i_X509(nullptr, &bytes, static_cast<long>(der.size())));
    if (certificate == nullptr || X509_STORE_add_cert(impl->store, certificate.get()) != 1) {
      ERR_clear_error();
      return Status(ErrorCode::kConfigInvalid, "a trusted certificate does not decode");
    }
  }
  return std::shared_ptr<const TrustStore>(new TrustStore(std::move(impl)));
}

TrustStore::TrustStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TrustStore::~TrustStore() = default;

StatusOr<std::string> WithoutSignature(std::string_view document, const xml::XmlLimits& limits,
                                       std::string_view field) {
  StatusOr<xml::DocumentPtr> parsed = xml::ParseUntrusted(document, limits, field);
  MEZHVED_RETURN_IF_ERROR(parsed.status());
  bool removed = false;
  for (xmlNodePtr signature : SignatureElements(parsed->get())) {
    if (signature->parent == xmlDocGetRootElement(parsed->get())) {
      xmlUnlinkNode(signature);
      xmlFreeNode(signature);
      removed = true;
    }
  }
  return removed ? Serialized(parsed->get()) : std::string(document);
}

// ---- SignatureVerifier

SignatureVerifier::SignatureVerifier(std::shared_ptr<const TrustStore> trust, xml::XmlLimits limits)
    : trust_(std::move(trust)), limits_(limits) {}

StatusOr<VerifiedSignature> SignatureVerifier::Verify(std::string_view document, UnixMillis at_ms,
                                                      std::string_view field) const {
  StatusOr<xml::DocumentPtr> parsed = xml::ParseUntrusted(document, limits_, field);
  MEZHVED_RETURN_IF_ERROR(parsed.status());
  // The document's signature is a child of its root element. Signatures deeper inside are content it covers, like
  // the sender's signature on a payload inside the gateway's sealed form.
  const std::vector<xmlNodePtr> all = SignatureElements(parsed->get());
  std::vector<xmlNodePtr> signatures;
  std::copy_if(all.begin(), all.end(), std::back_inserter(signatures),
               [&](xmlNodePtr node) { return node->parent == xmlDocGetRootElement(parsed->get()); });
  if (all.empty()) {
    return Refused(ErrorCode::kSignatureMissing, field, "SIGNATURE_MISSING", "the document carries no ds:Signature");
  }
  if (signatures.empty()) {
    return Malformed(field, "the ds:Signature must be a child of the root element");
  }
  if (signatures.size() > 1) {
    return Malformed(field, "the root element carries " + std::to_string(signatures.size()) + " ds:Signature elements");
  }
  return VerifySignature(signatures[0], "", at_ms, field);
}

StatusOr<VerifiedSignature> SignatureVerifier::VerifyReferenced(std::string_view document, std::string_view id,
                                                                UnixMillis at_ms, std::string_view field) const {
  StatusOr<xml::DocumentPtr> parsed = xml::ParseUntrusted(document, limits_, field);
  MEZHVED_RETURN_IF_ERROR(parsed.status());
  // The root holds exactly the signed element and the signature, and no other element anywhere carries the Id:
  // the signature can only be of the block the caller reads (no wrapping).
  xmlNodePtr root = xmlDocGetRootElement(parsed->get());
  std::vector<xmlNodePtr> children;
  for (xmlNodePtr child = xmlSecGetNextElementNode(root->children); child != nullptr;
       child = xmlSecGetNextElementNode(child->next)) {
    children.push_back(child);
  }
  if (children.size() != 2 || xmlSecCheckNodeName(children[1], xmlSecNodeSignature, xmlSecDSigNs) == 0) {
    return Refused(ErrorCode::kSignatureMissing, field, "SIGNATURE_MISSING",
                   "expected the signed block and then one ds:Signature");
  }
  if (id.empty() || AttributeOf(children[0], "Id") != id || CountIds(root, id) != 1) {
    return Malformed(field, "the signed block must carry the only Id=\"" + std::string(id) + "\" of the document");
  }
  const xmlChar* id_attributes[] = {BAD_CAST "Id", nullptr};
  xmlSecAddIDs(parsed->get(), children[0], id_attributes);
  return VerifySignature(children[1], id, at_ms, field);
}

StatusOr<VerifiedSignature> SignatureVerifier::VerifySignature(xmlNode* signature, std::string_view referenced_id,
                                                               UnixMillis at_ms, std::string_view field) const {
  StatusOr<Algorithm> algorithm = CheckShape(signature, referenced_id, field);
  MEZHVED_RETURN_IF_ERROR(algorithm.status());
  xmlNodePtr key_info = xmlSecFindChild(signature, xmlSecNodeKeyInfo, xmlSecDSigNs);
  StatusOr<std::vector<X509Ptr>> certificates = CertificatesOf(key_info, field);
  MEZHVED_RETURN_IF_ERROR(certificates.status());
  MEZHVED_RETURN_IF_ERROR(CheckChain(trust_->impl(), *certificates, at_ms, field));
  X509* signer = (*certificates)[0].get();
  MEZHVED_RETURN_IF_ERROR(CheckSignatureValue(signature, signer, *algorithm, !referenced_id.empty(), field));
  VerifiedSignature verified;
  verified.algorithm = *algorithm;
  verified.subject = SubjectOf(signer);
  verified.common_name = CommonNameOf(signer);
  verified.certificate_sha256 = Sha256Hex(DerOf(signer));
  return verified;
}

}  // namespace mezhved::seal
