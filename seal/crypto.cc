#include "seal/crypto.h"

#include <libxml/parser.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include <memory>
#include <mutex>
#include <optional>

#include "seal/openssl_util.h"

namespace mezhved::seal {
namespace {

thread_local std::string last_xmlsec_error;

// xmlsec1 prints its errors to stderr by default; the gateway turns them into statuses instead.
void RecordXmlsecError(const char* /*file*/, int /*line*/, const char* func, const char* error_object,
                       const char* error_subject, int reason, const char* message) {
  std::string text = func != nullptr ? func : "xmlsec";
  if (error_object != nullptr) {
    text += std::string(" (") + error_object + ")";
  }
  if (error_subject != nullptr) {
    text += std::string(" ") + error_subject;
  }
  text += ": " + std::string(message != nullptr ? message : "") + " [reason " + std::to_string(reason) + "]";
  last_xmlsec_error = std::move(text);
}

Status Initialize(const std::string& openssl_config) {
  if (!openssl_config.empty() && CONF_modules_load_file(openssl_config.c_str(), nullptr, 0) <= 0) {
    return {ErrorCode::kConfigInvalid,
            "the OpenSSL configuration " + openssl_config + " cannot be loaded: " + TakeOpenSslErrors()};
  }
  xmlInitParser();
  if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1) {
    return {ErrorCode::kInternal, "xmlsec1 cannot start"};
  }
  if (xmlSecOpenSSLAppInit(nullptr) < 0 || xmlSecOpenSSLInit() < 0) {
    return {ErrorCode::kInternal, "xmlsec1's OpenSSL backend cannot start"};
  }
  xmlSecErrorsSetCallback(&RecordXmlsecError);  // last: the initialisations above set the default, which prints
  return Status::Ok();
}

}  // namespace

Status InitializeCrypto(const std::string& openssl_config) {
  static std::once_flag once;
  static std::optional<Status> result;
  std::call_once(once, [&] { result = Initialize(openssl_config); });
  return *result;
}

bool GostAvailable() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      EVP_PKEY_CTX_new_id(NID_id_GostR3410_2012_256, nullptr), &EVP_PKEY_CTX_free);
  ERR_clear_error();
  return context != nullptr;
}

std::string LastXmlsecError() { return last_xmlsec_error; }
void ClearXmlsecError() { last_xmlsec_error.clear(); }

}  // namespace mezhved::seal
