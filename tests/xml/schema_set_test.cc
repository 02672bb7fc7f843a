#include "xml/schema_set.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace mezhved::xml {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kField = "request.payload";
constexpr std::string_view kNamespace = "urn:mezhved:test:request:1";

// A fresh directory for one test's XSDs, removed with its contents at the end. (tests/support's TempDir would bring
// gRPC into this binary.)
class SchemaDir {
 public:
  SchemaDir() {
    std::error_code error;
    std::string pattern = (fs::temp_directory_path(error) / "mezhved-xml-test-XXXXXX").string();
    REQUIRE(!error);
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~SchemaDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  SchemaDir(const SchemaDir&) = delete;
  SchemaDir& operator=(const SchemaDir&) = delete;

  const fs::path& path() const { return path_; }

  // Writes `text` to `relative` (creating its directories) and returns the file's path.
  std::string Write(const std::string& relative, std::string_view text) const {
    const fs::path file = path_ / relative;
    std::error_code error;
    fs::create_directories(file.parent_path(), error);
    REQUIRE(!error);
    std::ofstream out(file, std::ios::binary);
    out << text;
    out.close();
    REQUIRE(out.good());
    return file.string();
  }

 private:
  fs::path path_;
};

// The request schema: its own simple types come from an include next to it, a code type from an import in a
// subdirectory, so that both kinds of relative reference are exercised.
constexpr std::string_view kRequestXsd = R"(<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:mezhved:test:request:1"
           xmlns:c="urn:mezhved:test:codes:1" targetNamespace="urn:mezhved:test:request:1"
           elementFormDefault="qualified">
  <xs:include schemaLocation="types.xsd"/>
  <xs:import namespace="urn:mezhved:test:codes:1" schemaLocation="codes/codes.xsd"/>
  <xs:element name="Request">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Snils" type="t:Snils"/>
        <xs:element name="Region" type="c:RegionCode"/>
        <xs:element name="Count" type="xs:int" minOccurs="0"/>
        <xs:element name="Item" type="xs:int" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="id" type="xs:string" use="required"/>
    </xs:complexType>
    <xs:unique name="DistinctItems">
      <xs:selector xpath="t:Item"/>
      <xs:field xpath="."/>
    </xs:unique>
  </xs:element>
  <xs:element name="Other" type="xs:string"/>
</xs:schema>
)";

constexpr std::string_view kTypesXsd = R"(<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:mezhved:test:request:1">
  <xs:simpleType name="Snils">
    <xs:restriction base="xs:string">
      <xs:pattern value="\d{3}-\d{3}-\d{3} \d{2}"/>
    </xs:restriction>
  </xs:simpleType>
</xs:schema>
)";

constexpr std::string_view kCodesXsd = R"(<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:mezhved:test:codes:1">
  <xs:simpleType name="RegionCode">
    <xs:restriction base="xs:string">
      <xs:enumeration value="04"/>
      <xs:enumeration value="42"/>
      <xs:enumeration value="47"/>
    </xs:restriction>
  </xs:simpleType>
</xs:schema>
)";

constexpr std::string_view kValidRequest = R"(<?xml version="1.0" encoding="UTF-8"?>
<t:Request xmlns:t="urn:mezhved:test:request:1" id="r-1">
  <t:Snils>112-233-445 95</t:Snils>
  <t:Region>42</t:Region>
  <t:Count>3</t:Count>
</t:Request>
)";

std::string WriteRequestSchema(const SchemaDir& dir) {
  dir.Write("types.xsd", kTypesXsd);
  dir.Write("codes/codes.xsd", kCodesXsd);
  return dir.Write("request.xsd", kRequestXsd);
}

std::shared_ptr<const SchemaSet> LoadRequestSchema(const SchemaDir& dir) {
  StatusOr<std::shared_ptr<const SchemaSet>> loaded = SchemaSet::Load({{"request", WriteRequestSchema(dir)}});
  INFO(loaded.status().ToString());
  REQUIRE(loaded.ok());
  return *loaded;
}

bool Mentions(const Status& status, std::string_view text) { return status.ToString().find(text) != std::string::npos; }

TEST_CASE("SchemaSet loads XSDs with relative includes and imports and accepts a valid document", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  CHECK(schemas->Has("request"));
  CHECK_FALSE(schemas->Has("response"));
  const Status status = schemas->Validate("request", kValidRequest, kField, {});
  INFO(status.ToString());
  CHECK(status.ok());
  CHECK(schemas->Validate("request", kValidRequest, kField, {}, kNamespace, "Request").ok());
  // Leading UTF-8 BOM, CDATA kept, comments and PIs.
  CHECK(schemas
            ->Validate("request",
                       "\xEF\xBB\xBF<t:Request xmlns:t='urn:mezhved:test:request:1' id='x'><!-- c --><?pi x?>"
                       "<t:Snils><![CDATA[112-233-445 95]]></t:Snils><t:Region>04</t:Region></t:Request>",
                       kField, {})
            .ok());
}

TEST_CASE("SchemaSet::Validate refuses an unknown schema name", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  CHECK(schemas->Validate("nope", kValidRequest, kField, {}).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("SchemaSet::Validate runs the safety scan before libxml2", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  struct Case {
    std::string name;
    std::string document;
    ErrorCode code;
    std::string_view violation;
  };
  using std::string_literals::operator""s;
  const std::vector<Case> cases = {
      {"billion laughs",
       "<!DOCTYPE t:Request [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
       "<t:Request xmlns:t='urn:mezhved:test:request:1' id='&b;'/>",
       ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"external entity",
       "<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><t:Request xmlns:t='urn:mezhved:test:request:1' "
       "id='1'><t:Snils>&x;</t:Snils></t:Request>",
       ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"declared UTF-7", "<?xml version='1.0' encoding='UTF-7'?><t:Other xmlns:t='urn:mezhved:test:request:1'/>",
       ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"UTF-16 with BOM", "\xFF\xFE<\0r\0/\0>\0"s, ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"NUL after the root element", std::string(kValidRequest) + "\0<junk/>"s, ErrorCode::kUnsafeXml,
       kViolationInvalidCharacter},
      {"trailing garbage", std::string(kValidRequest) + "garbage", ErrorCode::kInvalidXml, kViolationMalformed},
  };
  for (const Case& refused : cases) {
    DYNAMIC_SECTION(refused.name) {
      const Status status = schemas->Validate("request", refused.document, kField, {});
      INFO(status.ToString());
      CHECK(status.code() == refused.code);
      REQUIRE(status.fields().size() == 1);
      CHECK(status.fields()[0].code == refused.violation);
    }
  }
}

TEST_CASE("SchemaSet::Validate refuses what libxml2 reports as an error or warning", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"mismatched end tag",
       "<t:Request xmlns:t='urn:mezhved:test:request:1' id='1'>\n<t:Snils></t:Region>\n"
       "</t:Request>"},
      {"undeclared namespace prefix (libxml2 still builds a tree)",
       "<t:Request xmlns:t='urn:mezhved:test:request:1' id='1'>\n<t:Snils>112-233-445 95</t:Snils>"
       "<t:Region>42</t:Region>\n<x:Extra/></t:Request>"},
      {"undeclared prefix on the root", "<x:Request id='1'/>"},
      {"undeclared attribute prefix", "<t:Other xmlns:t='urn:mezhved:test:request:1' y:a='1'>x</t:Other>"},
      {"xml:space neither default nor preserve (a warning)",
       "<t:Other xmlns:t='urn:mezhved:test:request:1' xml:space='sometimes'/>"},
      {"namespace name that is not a URI", "<t:Other xmlns:t='urn:mezhved:test:request:1' xmlns:b='a b%'/>"},
      {"duplicate attribute", "<t:Other xmlns:t='urn:mezhved:test:request:1' a='1' a='2'/>"},
      {"invalid character reference", "<t:Other xmlns:t='urn:mezhved:test:request:1'>&#0;</t:Other>"},
      {"invalid element name", "<t:Other xmlns:t='urn:mezhved:test:request:1'><1a/></t:Other>"},
      {"']]>' in text", "<t:Other xmlns:t='urn:mezhved:test:request:1'>a ]]> b</t:Other>"},
  };
  for (const auto& [name, document] : cases) {
    DYNAMIC_SECTION(name) {
      const Status status = schemas->Validate("request", document, kField, {});
      INFO(status.ToString());
      CHECK(status.code() == ErrorCode::kInvalidXml);
      REQUIRE(status.fields().size() == 1);
      CHECK(status.fields()[0].path == kField);
      CHECK(status.fields()[0].code == kViolationMalformed);
      CHECK(status.fields()[0].description.starts_with("line "));
    }
  }
  const Status namespace_error = schemas->Validate("request", cases[1].second, kField, {});
  REQUIRE(namespace_error.fields().size() == 1);
  CHECK(namespace_error.fields()[0].description.starts_with("line 3: "));
  CHECK(Mentions(namespace_error, "Namespace prefix x"));
}

TEST_CASE("SchemaSet::Validate lists every schema violation with its line", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  const std::string document = R"(<?xml version="1.0" encoding="UTF-8"?>
<t:Request xmlns:t="urn:mezhved:test:request:1">
  <t:Snils>112-233-445</t:Snils>
  <t:Region>99</t:Region>
  <t:Count>many</t:Count>
</t:Request>
)";
  const Status status = schemas->Validate("request", document, kField, {});
  INFO(status.ToString());
  REQUIRE(status.code() == ErrorCode::kSchemaInvalid);
  REQUIRE(status.fields().size() == 4);
  for (const FieldError& error : status.fields()) {
    CHECK(error.path == kField);
    CHECK(error.code == kViolationSchema);
  }
  CHECK(status.fields()[0].description.starts_with("line 2: "));  // the missing id attribute
  CHECK(Mentions(status, "'id'"));
  CHECK(status.fields()[1].description.starts_with("line 3: "));
  CHECK(status.fields()[2].description.starts_with("line 4: "));
  CHECK(status.fields()[3].description.starts_with("line 5: "));
  CHECK(status.message() == "request.payload breaks schema 'request': 4 violations");
}

TEST_CASE("SchemaSet::Validate lists at most 20 violations and counts them all", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  std::string document =
      "<t:Request xmlns:t='urn:mezhved:test:request:1' id='1'><t:Snils>112-233-445 95</t:Snils>"
      "<t:Region>47</t:Region>\n";
  for (int item = 0; item < 30; ++item) {
    document += "<t:Item>not a number</t:Item>\n";
  }
  document += "</t:Request>";
  const Status status = schemas->Validate("request", document, kField, {});
  REQUIRE(status.code() == ErrorCode::kSchemaInvalid);
  CHECK(status.fields().size() == SchemaSet::kMaxListedViolations);
  CHECK(status.message() == "request.payload breaks schema 'request': 30 violations, the first 20 listed");
  CHECK(status.fields().back().description.starts_with("line 21: "));
}

TEST_CASE("SchemaSet::Validate reports identity constraints once per violation", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  const std::string prefix =
      "<t:Request xmlns:t='urn:mezhved:test:request:1' id='1'><t:Snils>112-233-445 95</t:Snils>"
      "<t:Region>47</t:Region>\n";
  CHECK(schemas->Validate("request", prefix + "<t:Item>1</t:Item>\n<t:Item>2</t:Item>\n</t:Request>", kField, {}).ok());
  const Status duplicate =
      schemas->Validate("request", prefix + "<t:Item>1</t:Item>\n<t:Item>1</t:Item>\n</t:Request>", kField, {});
  REQUIRE(duplicate.fields().size() == 1);
  CHECK(duplicate.fields()[0].description.starts_with("line 3: "));
  CHECK(Mentions(duplicate, "Duplicate key-sequence"));
  // An invalid value has no key; libxml2 says so in a second error, which is not a violation of its own.
  const Status invalid = schemas->Validate("request", prefix + "<t:Item>x</t:Item>\n</t:Request>", kField, {});
  CHECK(invalid.fields().size() == 1);
  CHECK_FALSE(Mentions(invalid, "precomputed"));
}

TEST_CASE("SchemaSet::Validate checks the root element when asked", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  const std::string other = "<t:Other xmlns:t='urn:mezhved:test:request:1'>valid by the schema</t:Other>";
  CHECK(schemas->Validate("request", other, kField, {}).ok());

  const Status wrong_name = schemas->Validate("request", other, kField, {}, kNamespace, "Request");
  REQUIRE(wrong_name.code() == ErrorCode::kSchemaInvalid);
  REQUIRE(wrong_name.fields().size() == 1);
  CHECK(wrong_name.fields()[0].code == kViolationRootElement);
  CHECK(wrong_name.fields()[0].description ==
        "line 1: the root element is {urn:mezhved:test:request:1}Other, expected "
        "{urn:mezhved:test:request:1}Request");

  const std::string other_namespace =
      std::string(kValidRequest)
          .replace(std::string(kValidRequest).find("urn:mezhved:test:request:1"), 26, "urn:mezhved:test:request:2");
  const Status wrong_namespace = schemas->Validate("request", other_namespace, kField, {}, kNamespace, "Request");
  REQUIRE(wrong_namespace.fields().size() == 1);
  CHECK(wrong_namespace.fields()[0].code == kViolationRootElement);

  const Status no_namespace = schemas->Validate("request", "<Request id='1'/>", kField, {}, kNamespace, "Request");
  REQUIRE(no_namespace.fields().size() == 1);
  CHECK(no_namespace.fields()[0].code == kViolationRootElement);
  CHECK(Mentions(no_namespace, "the root element is {}Request"));
}

TEST_CASE("SchemaSet::Validate is safe from several threads at once", "[schema_set]") {
  SchemaDir dir;
  const std::shared_ptr<const SchemaSet> schemas = LoadRequestSchema(dir);
  const std::string invalid = std::string(kValidRequest).replace(std::string(kValidRequest).find(">42<"), 4, ">43<");
  constexpr int kThreads = 4;
  constexpr int kRounds = 300;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < kRounds; ++round) {
        switch ((round + thread) % 3) {
          case 0:
            if (!schemas->Validate("request", kValidRequest, kField, {}, kNamespace, "Request").ok()) {
              ++unexpected;
            }
            break;
          case 1: {
            const Status status = schemas->Validate("request", invalid, kField, {});
            if (status.code() != ErrorCode::kSchemaInvalid || status.fields().size() != 1 ||
                !status.fields()[0].description.starts_with("line 4: ")) {
              ++unexpected;
            }
            break;
          }
          default:
            if (schemas->Validate("request", "<t:Request xmlns:t='urn:x'><y:z/></t:Request>", kField, {}).code() !=
                ErrorCode::kInvalidXml) {
              ++unexpected;
            }
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(unexpected == 0);
}

TEST_CASE("SchemaSet::Load reports XSD errors with file and line", "[schema_set]") {
  SchemaDir dir;
  SECTION("XML syntax error in the XSD, found by libxml2") {
    const std::string path = dir.Write("broken.xsd",
                                       "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>\n"
                                       "  <xs:element name='a'>\n"
                                       "  </xs:elem>\n"
                                       "</xs:schema>\n");
    const Status status = SchemaSet::Load({{"broken", path}}).status();
    INFO(status.ToString());
    CHECK(status.code() == ErrorCode::kConfigInvalid);
    REQUIRE_FALSE(status.fields().empty());
    CHECK(status.fields()[0].path == (fs::canonical(dir.path()) / "broken.xsd").string());
    CHECK(status.fields()[0].code == "XSD_ERROR");
    CHECK(status.fields()[0].description.starts_with("line 3: "));
  }
  SECTION("XML syntax error in the XSD, found by the safety scan") {
    const std::string path = dir.Write("broken.xsd",
                                       "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>\n"
                                       "  <xs:element name='a'>\n"
                                       "</xs:schema>\n");
    const Status status = SchemaSet::Load({{"broken", path}}).status();
    INFO(status.ToString());
    CHECK(status.code() == ErrorCode::kConfigInvalid);
    REQUIRE_FALSE(status.fields().empty());
    CHECK(status.fields()[0].path == (fs::canonical(dir.path()) / "broken.xsd").string());
    CHECK(Mentions(status, "byte 93, line 4: the document ends inside an element"));
  }
  SECTION("XSD error in an included file") {
    dir.Write("types.xsd",
              "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>\n\n"
              "  <xs:simpleType name='T'><xs:restriction base='xs:nosuchtype'/></xs:simpleType>\n"
              "</xs:schema>\n");
    const std::string path = dir.Write("main.xsd",
                                       "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>\n"
                                       "  <xs:include schemaLocation='types.xsd'/>\n"
                                       "</xs:schema>\n");
    const Status status = SchemaSet::Load({{"main", path}}).status();
    INFO(status.ToString());
    CHECK(status.code() == ErrorCode::kConfigInvalid);
    REQUIRE_FALSE(status.fields().empty());
    CHECK(status.fields()[0].path == (fs::canonical(dir.path()) / "types.xsd").string());
    CHECK(status.fields()[0].description.starts_with("line 3: "));
    CHECK(Mentions(status, "schema 'main'"));
  }
  SECTION("missing file") {
    const Status status = SchemaSet::Load({{"missing", (dir.path() / "missing.xsd").string()}}).status();
    CHECK(status.code() == ErrorCode::kConfigInvalid);
    CHECK(Mentions(status, "missing.xsd"));
  }
  SECTION("missing included file") {
    const std::string path = dir.Write("main.xsd",
                                       "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>\n"
                                       "  <xs:include schemaLocation='nowhere.xsd'/>\n"
                                       "</xs:schema>\n");
    const Status status = SchemaSet::Load({{"main", path}}).status();
    INFO(status.ToString());
    CHECK(status.code() == ErrorCode::kConfigInvalid);
    CHECK(Mentions(status, "nowhere.xsd"));
  }
  SECTION("a name listed twice") {
    const std::string path = WriteRequestSchema(dir);
    CHECK(SchemaSet::Load({{"request", path}, {"request", path}}).status().code() == ErrorCode::kConfigInvalid);
  }
}

TEST_CASE("SchemaSet::Load refuses to fetch anything but local schema files", "[schema_set]") {
  SchemaDir dir;
  const auto load_with_import = [&dir](const std::string& location) {
    const std::string path = dir.Write("main/main.xsd",
                                       "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>\n"
                                       "  <xs:import namespace='urn:other' schemaLocation='" +
                                           location +
                                           "'/>\n"
                                           "</xs:schema>\n");
    return SchemaSet::Load({{"main", path}}).status();
  };
  const std::vector<std::string> refused_locations = {
      "http://127.0.0.1:9/other.xsd",
      "https://example.invalid/other.xsd",
      "ftp://example.invalid/other.xsd",
      "file:///etc/passwd",
      "file://otherhost/tmp/other.xsd",
      "../outside.xsd",
      "/etc/hostname",
  };
  dir.Write("outside.xsd", "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' targetNamespace='urn:other'/>");
  for (const std::string& location : refused_locations) {
    DYNAMIC_SECTION(location) {
      const Status status = load_with_import(location);
      INFO(status.ToString());
      CHECK(status.code() == ErrorCode::kConfigInvalid);
      CHECK(Mentions(status, "main.xsd"));
      CHECK(Mentions(status, "XSD_RESOURCE_REFUSED"));
    }
  }
  SECTION("an XSD with a DTD") {
    dir.Write("main/other.xsd",
              "<!DOCTYPE xs:schema [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>\n"
              "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' targetNamespace='urn:other'/>");
    const Status status = load_with_import("other.xsd");
    INFO(status.ToString());
    CHECK(status.code() == ErrorCode::kConfigInvalid);
    CHECK(Mentions(status, "DTDs are not accepted"));
  }
  SECTION("a symbolic link that leads out of the schema directory") {
    std::error_code error;
    fs::create_directories(dir.path() / "main", error);
    fs::create_symlink(dir.path() / "outside.xsd", dir.path() / "main" / "link.xsd", error);
    REQUIRE(!error);
    const Status status = load_with_import("link.xsd");
    INFO(status.ToString());
    CHECK(Mentions(status, "outside the directories"));
  }
  SECTION("a local import next to the file, also as a file: URL, is read") {
    const std::string other = dir.Write(
        "main/other.xsd", "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' targetNamespace='urn:other'/>");
    CHECK(load_with_import("other.xsd").ok());
    CHECK(load_with_import("file://" + other).ok());
  }
}

TEST_CASE("SchemaSet::Load reads schemas from paths with spaces and Cyrillic letters", "[schema_set]") {
  SchemaDir dir;
  dir.Write("виды сведений/types.xsd", kTypesXsd);
  dir.Write("виды сведений/codes/codes.xsd", kCodesXsd);
  const std::string path = dir.Write("виды сведений/request.xsd", kRequestXsd);
  const StatusOr<std::shared_ptr<const SchemaSet>> loaded = SchemaSet::Load({{"request", path}});
  INFO(loaded.status().ToString());
  REQUIRE(loaded.ok());
  CHECK((*loaded)->Validate("request", kValidRequest, kField, {}).ok());
}

TEST_CASE("SchemaSet::Load with a schema root admits imports anywhere under it", "[schema_set]") {
  SchemaDir dir;
  dir.Write("common/1/common.xsd", kCodesXsd);
  const std::string path = dir.Write("type.a/1.0/request.xsd",
                                     "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>\n"
                                     "  <xs:import namespace='urn:mezhved:test:codes:1' "
                                     "schemaLocation='../../common/1/common.xsd'/>\n"
                                     "</xs:schema>\n");
  CHECK(SchemaSet::Load({{"a", path}}).status().code() == ErrorCode::kConfigInvalid);
  const StatusOr<std::shared_ptr<const SchemaSet>> loaded = SchemaSet::Load({{"a", path}}, dir.path().string());
  INFO(loaded.status().ToString());
  CHECK(loaded.ok());
  CHECK(SchemaSet::Load({{"a", path}}, (dir.path() / "type.a").string()).status().code() == ErrorCode::kConfigInvalid);
}

TEST_CASE("SchemaSet::Load works from several threads at once", "[schema_set]") {
  SchemaDir good;
  SchemaDir bad;
  const std::string good_path = WriteRequestSchema(good);
  const std::string bad_path = bad.Write("bad.xsd",
                                         "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>"
                                         "<xs:include schemaLocation='http://example.invalid/x.xsd'/></xs:schema>");
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 10; ++round) {
        if (thread % 2 == 0) {
          unexpected += SchemaSet::Load({{"request", good_path}}).ok() ? 0 : 1;
        } else {
          unexpected += SchemaSet::Load({{"bad", bad_path}}).ok() ? 1 : 0;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(unexpected == 0);
}

}  // namespace
}  // namespace mezhved::xml
