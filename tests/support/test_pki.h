// A throw-away PKI for TLS tests, generated at test time with OpenSSL 3: a test CA, a server certificate for
// 127.0.0.1 and localhost, client certificates with a chosen subject CN, and an unrelated "stranger" CA whose client
// certificates the gateway must refuse. Keys are EC P-256; certificates are valid from an hour ago for 7 days.
// Every file is PEM, written into the directory given to the constructor. Errors throw std::runtime_error (test code).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace mezhved::testing {

struct CertFiles {
  std::filesystem::path cert;  // PEM certificate
  std::filesystem::path key;   // PEM private key (PKCS#8, unencrypted)
  std::string sha256_hex;      // SHA-256 of the certificate's DER, lower-case hex without separators
};

class TestPki {
 public:
  // Creates dir if needed and writes the two CA certificates into it (ca.pem, stranger-ca.pem).
  explicit TestPki(std::filesystem::path dir);
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // A server certificate from the test CA: CN "localhost", SAN IP:127.0.0.1 and DNS:localhost, serverAuth.
  CertFiles IssueServer();
  // A client certificate (clientAuth) with subject CN cn, from the test CA or else from the stranger CA. Each call
  // makes a new key and certificate, so issuing the same CN twice gives two fingerprints.
  CertFiles IssueClient(const std::string& cn, bool from_stranger_ca = false);

  std::filesystem::path ca_file() const;
  std::filesystem::path stranger_ca_file() const;

 private:
  struct Authority;

  CertFiles Issue(Authority& issuer, const std::string& file_stem, const std::string& cn, bool server);

  std::filesystem::path dir_;
  std::unique_ptr<Authority> ca_;
  std::unique_ptr<Authority> stranger_ca_;
  int issued_ = 0;  // numbers the files so that repeated CNs do not overwrite each other
};

}  // namespace mezhved::testing
