#include "seal/openssl_util.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <array>
#include <ctime>

namespace mezhved::seal {

std::string TakeOpenSslErrors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    text += (text.empty() ? "" : "; ") + std::string(buffer.data());
  }
  return text;
}

std::string DerOf(X509* certificate) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(certificate, &der);
  if (length <= 0) {
    return {};
  }
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return bytes;
}

std::string SubjectOf(const X509* certificate) {
  std::array<char, 512> buffer{};
  X509_NAME_oneline(X509_get_subject_name(certificate), buffer.data(), static_cast<int>(buffer.size()));
  return buffer.data();
}

UnixMillis NotAfterMs(const X509* certificate) {
  std::tm time{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &time) != 1) {
    return 0;
  }
  return static_cast<UnixMillis>(timegm(&time)) * 1000;
}

std::optional<Algorithm> AlgorithmOfKey(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return Algorithm::kRsaSha256;
    case EVP_PKEY_EC: {
      std::array<char, 64> curve{};
      size_t length = 0;
      if (EVP_PKEY_get_utf8_string_param(key, "group", curve.data(), curve.size(), &length) == 1 &&
          std::string_view(curve.data(), length) == "prime256v1") {
        return Algorithm::kEcdsaP256Sha256;
      }
      return std::nullopt;
    }
    case NID_id_GostR3410_2012_256:
      return Algorithm::kGost2012_256;
    default:
      return std::nullopt;
  }
}

}  // namespace mezhved::seal
