// libFuzzer target: arbitrary bytes through CheckXmlSafety and SchemaSet::Validate. Besides crashes, leaks and
// undefined behaviour (ASan, LSan, UBSan) it traps when either breaks its contract: the scan returns OK or exactly
// one field with an UNSAFE_XML, INVALID_XML or MESSAGE_TOO_LARGE code; Validate returns the scan's refusal
// unchanged, never INTERNAL, never more than kMaxListedViolations fields.
//
// Build. It needs clang with its fuzzer and sanitizer runtimes: Debian 12 packages `clang` (clang 14) and
// `libclang-rt-14-dev`, besides the project's usual build dependencies. Only fuzz_xml and what it links are built:
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DMEZHVED_FUZZ=ON
//   cmake --build build-fuzz --target fuzz_xml
// Run, seeding the corpus with the documented example payloads (the corpus directory keeps what it finds):
//   mkdir -p build-fuzz/corpus-xml && cp schemas/examples/*.xml build-fuzz/corpus-xml/
//   build-fuzz/tests/xml/fuzz_xml -max_len=65536 -timeout=10 -rss_limit_mb=2048 -jobs=2 build-fuzz/corpus-xml
// A crash leaves crash-<sha1> in the working directory; replay it with `build-fuzz/tests/xml/fuzz_xml crash-<sha1>`.
// -timeout matters: a slow input (the scan is linear, libxml2 after it must be too) is a finding like a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "xml/safe_xml.h"
#include "xml/schema_set.h"

namespace {

namespace fs = std::filesystem;
using mezhved::ErrorCode;
using mezhved::Status;
using mezhved::xml::SchemaSet;

constexpr std::string_view kField = "fuzz.payload";
constexpr std::string_view kNamespace = "urn:mezhved:fuzz:1";

// Small, but with the kinds of checks the information types use: patterns, enumerations, dates, attributes,
// repetition, nesting, an identity constraint.
constexpr std::string_view kSchema = R"(<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:f="urn:mezhved:fuzz:1"
           targetNamespace="urn:mezhved:fuzz:1" elementFormDefault="qualified">
  <xs:element name="Request">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Snils">
          <xs:simpleType>
            <xs:restriction base="xs:string"><xs:pattern value="\d{3}-\d{3}-\d{3} \d{2}"/></xs:restriction>
          </xs:simpleType>
        </xs:element>
        <xs:element name="Kind" maxOccurs="5">
          <xs:simpleType>
            <xs:restriction base="xs:string">
              <xs:enumeration value="BIRTH"/><xs:enumeration value="MARRIAGE"/>
            </xs:restriction>
          </xs:simpleType>
        </xs:element>
        <xs:element name="Date" type="xs:date" minOccurs="0"/>
        <xs:element name="Person" minOccurs="0" maxOccurs="unbounded">
          <xs:complexType>
            <xs:sequence><xs:element name="Name" type="xs:string"/></xs:sequence>
            <xs:attribute name="age" type="xs:nonNegativeInteger"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:attribute name="id" type="xs:token" use="required"/>
    </xs:complexType>
    <xs:unique name="DistinctKinds"><xs:selector xpath="f:Kind"/><xs:field xpath="."/></xs:unique>
  </xs:element>
</xs:schema>
)";

// The schema written to a temporary directory, loaded once, and the directory removed when the fuzzer exits.
class FuzzSchema {
 public:
  FuzzSchema() {
    std::error_code error;
    std::string pattern = (fs::temp_directory_path(error) / "mezhved-fuzz-xml-XXXXXX").string();
    if (error || mkdtemp(pattern.data()) == nullptr) {
      abort();
    }
    directory_ = pattern;
    const fs::path file = directory_ / "fuzz.xsd";
    std::ofstream(file) << kSchema;
    auto loaded = SchemaSet::Load({{"fuzz", file.string()}});
    if (!loaded.ok()) {
      abort();
    }
    schemas_ = *loaded;
  }
  ~FuzzSchema() {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
  FuzzSchema(const FuzzSchema&) = delete;
  FuzzSchema& operator=(const FuzzSchema&) = delete;

  const SchemaSet& schemas() const { return *schemas_; }

 private:
  fs::path directory_;
  std::shared_ptr<const SchemaSet> schemas_;
};

void Require(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const FuzzSchema schema;
  const std::string_view document(reinterpret_cast<const char*>(data), size);
  mezhved::xml::XmlLimits limits;
  limits.max_depth = 16;
  limits.max_attributes_per_element = 8;
  limits.max_elements = 1000;

  const Status safety = mezhved::xml::CheckXmlSafety(document, limits, kField);
  if (!safety.ok()) {
    Require(safety.code() == ErrorCode::kUnsafeXml || safety.code() == ErrorCode::kInvalidXml ||
            safety.code() == ErrorCode::kMessageTooLarge);
    Require(safety.fields().size() == 1 && safety.fields()[0].path == kField);
  }

  const Status validated = schema.schemas().Validate("fuzz", document, kField, limits, kNamespace, "Request");
  if (!safety.ok()) {
    Require(validated.code() == safety.code() && validated.fields() == safety.fields());
    return 0;
  }
  Require(validated.ok() || validated.code() == ErrorCode::kInvalidXml ||
          validated.code() == ErrorCode::kSchemaInvalid);
  Require(validated.fields().size() <= SchemaSet::kMaxListedViolations);
  return 0;
}
