// The SOAP API of the real mezhvedd (docs/SOAP.md), spoken over real HTTP connections by cpp-httplib, a client
// library independent of the server's: every operation in SOAP 1.1 and 1.2, the faults with their codes and HTTP
// statuses, hostile and oversized input, the connection limits, and one core shared with the gRPC API.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "common/message_id.h"
#include "tests/integration/agency_client.h"
#include "tests/seal/seal_fixture.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace mezhved::testing {
namespace {

constexpr char kSoap11[] = "text/xml; charset=utf-8";
constexpr char kSoap12[] = "application/soap+xml; charset=utf-8";
constexpr char kEnvelope11[] = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr char kEnvelope12[] = "http://www.w3.org/2003/05/soap-envelope";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The first text of <x:name> (or <m:name>) in `xml`, or "".
std::string Field(const std::string& xml, const std::string& qualified_name) {
  const std::string open = "<" + qualified_name + ">";
  const size_t start = xml.find(open);
  if (start == std::string::npos) {
    return "";
  }
  const size_t end = xml.find("</" + qualified_name + ">", start);
  return xml.substr(start + open.size(), end - start - open.size());
}

std::string FreshUuid() { return MessageId::Generate(1'800'000'000'000).ToString(); }

// A documented example operation (schemas/soap/1/examples), its Body re-wrapped for `version`, with the
// organisation codes of the test region.
std::string Example(const std::string& name, bool soap12) {
  std::string text = ReadText(std::string(MEZHVED_SOURCE_DIR) + "/schemas/soap/1/examples/" + name);
  text = Replace(text, "SOCPROT-BIYSK", kSocialDept);
  text = Replace(text, "ZAGS-BIYSK", kZags);
  text = Replace(text, kEnvelope12, kEnvelope11);  // the examples use either version
  if (soap12) {
    text = Replace(text, kEnvelope11, kEnvelope12);
  }
  return text;
}

std::string WithMessageId(std::string body, const std::string& id) {
  return std::regex_replace(body, std::regex("<x:MessageID>[^<]*</x:MessageID>"),
                            "<x:MessageID>" + id + "</x:MessageID>", std::regex_constants::format_first_only);
}

std::string Envelope(bool soap12, const std::string& body) {
  return std::string("<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"") + (soap12 ? kEnvelope12 : kEnvelope11) +
         "\"><s:Body>" + body + "</s:Body></s:Envelope>";
}

struct SoapReply {
  int status = 0;
  std::string body;
  std::string error_code;  // the fault's x:Code
};

class SoapClient {
 public:
  SoapClient(const std::string& address, std::string organisation) : organisation_(std::move(organisation)) {
    const size_t colon = address.rfind(':');
    client_ = std::make_unique<httplib::Client>(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
    client_->set_read_timeout(20, 0);
  }
  SoapClient(std::unique_ptr<httplib::Client> client) : client_(std::move(client)) {}

  SoapReply Call(const std::string& envelope, bool soap12, const std::string& content_type = "") {
    httplib::Headers headers;
    if (!organisation_.empty()) {
      headers.emplace("X-Mezhved-Organisation", organisation_);
    }
    const std::string type = content_type.empty() ? (soap12 ? kSoap12 : kSoap11) : content_type;
    httplib::Result result = client_->Post("/soap", headers, envelope, type.c_str());
    REQUIRE(result);
    SoapReply reply{result->status, result->body, Field(result->body, "x:Code")};
    INFO(reply.body);
    CHECK(result->get_header_value("Content-Type").find(soap12 ? "application/soap+xml" : "text/xml") == 0);
    return reply;
  }
  httplib::Result Get(const std::string& path) { return client_->Get(path.c_str()); }

 private:
  std::unique_ptr<httplib::Client> client_;
  std::string organisation_;
};

class SoapDaemon {
 public:
  // `soap_settings` go into soap_api, `more_config` at the end of the config.
  explicit SoapDaemon(const std::string& soap_settings = "", const std::string& more_config = "") {
    daemon_ = std::make_unique<DaemonProcess>(MEZHVED_DAEMON_PATH, dir_ / "daemon",
                                              SmallRegionConfigText("data", nullptr, soap_settings) + more_config);
    daemon_->Start();
    REQUIRE_FALSE(daemon_->soap_address().empty());
  }
  SoapClient As(const std::string& organisation) const { return {daemon_->soap_address(), organisation}; }
  AgencyClient GrpcAs(const std::string& organisation) const {
    return {InsecureChannel(daemon_->agency_address()), organisation};
  }
  DaemonProcess& daemon() { return *daemon_; }

 private:
  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

SoapReply SendExampleRequest(SoapClient& client, bool soap12, const std::string& sender_id) {
  return client.Call(WithMessageId(Example("SendRequest.request.xml", soap12), sender_id), soap12);
}

std::string ReceiveBody(const char* operation, uint32_t wait_ms) {
  return std::string("<x:") + operation + " xmlns:x=\"urn:mezhved:exchange:1\"><x:MessageTypeSelector>" +
         "<x:Timestamp>2026-11-24T10:00:00Z</x:Timestamp></x:MessageTypeSelector><x:WaitMilliseconds>" +
         std::to_string(wait_ms) + "</x:WaitMilliseconds></x:" + operation + ">";
}

std::string AckBody(const std::string& id, bool accepted = true) {
  return std::string("<x:AckRequest xmlns:x=\"urn:mezhved:exchange:1\"><x:AckTargetMessage accepted=\"") +
         (accepted ? "true" : "false") + "\">" + id + "</x:AckTargetMessage></x:AckRequest>";
}

TEST_CASE("every SOAP operation works end to end, in SOAP 1.1 and 1.2", "[integration][soap]") {
  const bool soap12 = GENERATE(false, true);
  INFO((soap12 ? "SOAP 1.2" : "SOAP 1.1"));
  SoapDaemon gateway;
  SoapClient social = gateway.As(kSocialDept);
  SoapClient zags = gateway.As(kZags);

  const std::string sender_id = FreshUuid();
  SoapReply sent = SendExampleRequest(social, soap12, sender_id);
  REQUIRE(sent.status == 200);
  const std::string request_id = Field(sent.body, "x:MessageID");
  CHECK(MessageId::Parse(request_id).has_value());
  CHECK(Field(sent.body, "x:SenderMessageID") == sender_id);
  CHECK(Field(sent.body, "x:MessageType") == "REQUEST");
  CHECK(Field(sent.body, "x:Duplicate") == "false");

  // The same MessageID again is the same message (the sender's MessageID is its idempotency key).
  SoapReply again = SendExampleRequest(social, soap12, sender_id);
  CHECK(Field(again.body, "x:MessageID") == request_id);
  CHECK(Field(again.body, "x:Duplicate") == "true");

  // The addressee pulls it: nothing for GetResponse or GetStatus, the request for GetRequest.
  CHECK(zags.Call(Envelope(soap12, ReceiveBody("GetResponseRequest", 0)), soap12).body.find("ResponseMessage") ==
        std::string::npos);
  SoapReply received = zags.Call(Envelope(soap12, ReceiveBody("GetRequestRequest", 2000)), soap12);
  INFO(received.body);
  REQUIRE(received.status == 200);
  CHECK(Field(received.body, "x:MessageID") == request_id);
  CHECK(Field(received.body, "m:MessageId") == request_id);
  CHECK(Field(received.body, "x:Recipient") == kZags);
  CHECK(Field(received.body, "m:TransactionCode") == "USZN-BIYSK-2025-000311");
  CHECK(received.body.find("<m:Payload>") != std::string::npos);
  CHECK(zags.Call(Envelope(soap12,
                           "<x:GetStatusRequest xmlns:x=\"urn:mezhved:exchange:1\"><x:Timestamp>"
                           "2026-11-24T10:00:00Z</x:Timestamp></x:GetStatusRequest>"),
                  soap12)
            .body.find("StatusMessage") == std::string::npos);  // no deadline notice yet
  SoapReply acked = zags.Call(Envelope(soap12, AckBody(request_id)), soap12);
  CHECK(Field(acked.body, "x:Outcome") == "ACKNOWLEDGED");

  // The answer goes back the same way.
  std::string response = Replace(Example("SendResponse.request.xml", soap12),
                                 Field(Example("SendResponse.request.xml", soap12), "x:To"), request_id);
  response = WithMessageId(response, FreshUuid());
  SoapReply answered = zags.Call(response, soap12);
  INFO(answered.body);
  REQUIRE(answered.status == 200);
  const std::string response_id = Field(answered.body, "x:MessageID");
  CHECK(Field(answered.body, "x:MessageType") == "RESPONSE");
  CHECK(social.Call(Envelope(soap12, ReceiveBody("GetRequestRequest", 0)), soap12).body.find("RequestMessage") ==
        std::string::npos);
  SoapReply got = social.Call(Envelope(soap12, ReceiveBody("GetResponseRequest", 2000)), soap12);
  CHECK(Field(got.body, "x:MessageID") == response_id);
  CHECK(Field(got.body, "m:RequestId") == request_id);
  CHECK(Field(social.Call(Envelope(soap12, AckBody(response_id)), soap12).body, "x:Outcome") == "ACKNOWLEDGED");

  SoapReply state =
      social.Call(Envelope(soap12, "<x:GetMessageStateRequest xmlns:x=\"urn:mezhved:exchange:1\"><x:MessageID>" +
                                       request_id + "</x:MessageID></x:GetMessageStateRequest>"),
                  soap12);
  CHECK(Field(state.body, "m:State") == "ANSWERED");
  CHECK(Field(state.body, "m:DeadlineStatus") == "STOPPED");

  SoapReply stats =
      zags.Call(Envelope(soap12, "<x:GetIncomingQueueStatisticsRequest xmlns:x=\"urn:mezhved:exchange:1\"/>"), soap12);
  CHECK(Field(stats.body, "x:QueueName") == kZags);
  CHECK(Field(stats.body, "x:PendingMessageNumber") == "0");
}

TEST_CASE("a message sent over SOAP is received over gRPC and the other way round, same id", "[integration][soap]") {
  SoapDaemon gateway;
  SoapClient social = gateway.As(kSocialDept);
  AgencyClient zags = gateway.GrpcAs(kZags);

  const std::string soap_id = Field(SendExampleRequest(social, false, FreshUuid()).body, "x:MessageID");
  std::vector<v1::Message> received;
  REQUIRE(zags.Receive(1, 2000, 0, &received).ok());
  REQUIRE(received.size() == 1);
  CHECK(received[0].message_id() == soap_id);
  CHECK(received[0].request().transaction_code() == "USZN-BIYSK-2025-000311");
  CHECK(received[0].request().requester_code() == kSocialDept);

  v1::SendResult answered;
  REQUIRE(zags.SendResponse("grpc-answer-1", DataResponse(soap_id, kZags), &answered).ok());
  SoapReply got = social.Call(Envelope(false, ReceiveBody("GetResponseRequest", 2000)), false);
  CHECK(Field(got.body, "x:MessageID") == answered.message_id());
  CHECK(Field(got.body, "m:MessageId") == answered.message_id());
}

TEST_CASE("an Ack with accepted=false takes the message off the queue and says so in its history",
          "[integration][soap]") {
  SoapDaemon gateway;
  SoapClient social = gateway.As(kSocialDept);
  SoapClient zags = gateway.As(kZags);
  const std::string id = Field(SendExampleRequest(social, false, FreshUuid()).body, "x:MessageID");
  REQUIRE(Field(zags.Call(Envelope(false, ReceiveBody("GetRequestRequest", 2000)), false).body, "x:MessageID") == id);
  CHECK(Field(zags.Call(Envelope(false, AckBody(id, false)), false).body, "x:Outcome") == "ACKNOWLEDGED");
  v1::MessageStatus status;
  REQUIRE(gateway.GrpcAs(kSocialDept).GetStatus(id, &status).ok());
  CHECK(status.history().rbegin()->note() == "rejected by the recipient's system");
}

TEST_CASE("the WSDL and its XSDs are served with this gateway's addresses", "[integration][soap]") {
  SoapDaemon gateway;
  SoapClient client = gateway.As("");
  httplib::Result wsdl = client.Get("/soap?wsdl");
  REQUIRE(wsdl);
  CHECK(wsdl->status == 200);
  const std::string base = "http://" + gateway.daemon().soap_address();
  CHECK(wsdl->body.find("location=\"" + base + "/soap\"") != std::string::npos);
  CHECK(wsdl->body.find("schemaLocation=\"" + base + "/soap/schemas/soap/1/exchange.xsd\"") != std::string::npos);
  CHECK(wsdl->body.find("localhost:7792") == std::string::npos);
  httplib::Result xsd = client.Get("/soap/schemas/soap/1/exchange.xsd");
  REQUIRE(xsd);
  CHECK(xsd->status == 200);
  CHECK(xsd->body.find("urn:mezhved:exchange:1") != std::string::npos);
  CHECK(client.Get("/soap/schemas/envelope/1/envelope.xsd")->status == 200);
  CHECK(client.Get("/soap/schemas/../../etc/passwd")->status == 404);
  CHECK(client.Get("/soap/schemas/catalog.textproto")->status == 404);
}

TEST_CASE("every refusal is a SOAP fault with a stable code and a matching HTTP status", "[integration][soap]") {
  const bool soap12 = GENERATE(false, true);
  SoapDaemon gateway;
  SoapClient social = gateway.As(kSocialDept);
  const std::string good = WithMessageId(Example("SendRequest.request.xml", soap12), FreshUuid());

  SECTION("invalid content names the failing field") {
    const std::string broken = std::regex_replace(good, std::regex("<m:Snils>[^<]*</m:Snils>"), "");
    SoapReply reply = social.Call(broken, soap12);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "INVALID_MESSAGE");
    CHECK(Field(reply.body, "x:Field") == "request.citizen.snils");
    CHECK(reply.body.find(soap12 ? "<soap:Value>soap:Sender</soap:Value>" : "<faultcode>soap:Client</faultcode>") !=
          std::string::npos);
  }
  SECTION("an unknown element") {
    SoapReply reply = social.Call(Replace(good, "<x:TransactionCode>", "<x:Unknown/><x:TransactionCode>"), soap12);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "INVALID_MESSAGE");
  }
  SECTION("no organisation named: unknown sender") {
    SoapReply reply = gateway.As("").Call(good, soap12);
    CHECK(reply.status == 401);
    CHECK(reply.error_code == "UNAUTHENTICATED");
    CHECK(gateway.As("NO-SUCH-ORG").Call(good, soap12).error_code == "UNAUTHENTICATED");
  }
  SECTION("sending as another organisation") {
    SoapReply reply = gateway.As(kSocialDept2).Call(good, soap12);
    CHECK(reply.status == 403);
    CHECK(reply.error_code == "SENDER_MISMATCH");
  }
  SECTION("no agreement allows the request: access denied") {
    SoapReply reply = gateway.As(kHospital).Call(Replace(good, kSocialDept, kHospital), soap12);
    CHECK(reply.status == 403);
    CHECK(reply.error_code == "ACCESS_DENIED");
  }
  SECTION("a caller's signature over a block without an Id is malformed") {
    SoapReply reply =
        social.Call(Replace(good, "</x:SenderProvidedRequestData>",
                            "</x:SenderProvidedRequestData><x:CallerInformationSystemSignature><ds:Signature "
                            "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/></x:CallerInformationSystemSignature>"),
                    soap12);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "SIGNATURE_MALFORMED");
  }
  SECTION("a personal signature that is not a signature") {
    SoapReply reply = social.Call(Replace(good, "</x:MessagePrimaryContent>",
                                          "</x:MessagePrimaryContent><x:PersonalSignature><ds:Signature "
                                          "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/></x:PersonalSignature>"),
                                  soap12);
    // The core checks the signer first: with no CA trusted for senders, nobody's signature is trusted.
    CHECK(reply.status == 403);
    CHECK(reply.error_code == "CERTIFICATE_UNTRUSTED");
  }
  SECTION("an unknown message") {
    SoapReply reply =
        social.Call(Envelope(soap12, "<x:GetMessageStateRequest xmlns:x=\"urn:mezhved:exchange:1\"><x:MessageID>" +
                                         FreshUuid() + "</x:MessageID></x:GetMessageStateRequest>"),
                    soap12);
    CHECK(reply.status == 404);
    CHECK(reply.error_code == "NOT_FOUND");
  }
  SECTION("an unknown operation") {
    SoapReply reply = social.Call(Envelope(soap12, "<x:Nonsense xmlns:x=\"urn:mezhved:exchange:1\"/>"), soap12);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "INVALID_ARGUMENT");
  }
  SECTION("the envelope of the other SOAP version") {
    SoapReply reply = social.Call(Envelope(!soap12,
                                           "<x:GetIncomingQueueStatisticsRequest "
                                           "xmlns:x=\"urn:mezhved:exchange:1\"/>"),
                                  soap12);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "INVALID_ARGUMENT");
  }
  SECTION("hostile XML: an entity declaration is refused before parsing") {
    const std::string bomb =
        "<?xml version=\"1.0\"?><!DOCTYPE s [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>" +
        Envelope(soap12,
                 "<x:GetIncomingQueueStatisticsRequest xmlns:x=\"urn:mezhved:exchange:1\">&b;"
                 "</x:GetIncomingQueueStatisticsRequest>")
            .substr(std::string("<?xml version=\"1.0\"?>").size());
    SoapReply reply = social.Call(bomb, soap12);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "UNSAFE_XML");
  }
  SECTION("XML that is not well-formed") {
    SoapReply reply = social.Call("<s:Envelope xmlns:s=\"x\"><unclosed>", soap12);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "INVALID_XML");
  }
  SECTION("a body that is not SOAP at all") {
    SoapReply reply = social.Call("{}", false, "application/json");
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "INVALID_ARGUMENT");
  }
}

// "With a signature": the payload signed by the requester's information system, either with the signature inside
// the document in MessagePrimaryContent or moved out into PersonalSignature; the core verifies it either way and the
// recipient learns the signer.
TEST_CASE("a payload signed by its sender passes over SOAP, inside the document or in PersonalSignature",
          "[integration][soap][signature]") {
  const bool detached = GENERATE(false, true);
  INFO((detached ? "PersonalSignature" : "signature inside MessagePrimaryContent"));
  seal::SealFixture keys;
  const SealIdentity signer = keys.pki.Issue("SOCPROT-BARNAUL-IS", seal::Algorithm::kEcdsaP256Sha256);
  SoapDaemon gateway("", "sender_trust { ca_files: \"" + keys.pki.ca_file().string() + "\" }\n");

  std::string signed_payload = keys.SealWith(signer, ExampleFile("zags.civil-status-record.request.xml"));
  signed_payload.erase(0, signed_payload.find("?>") + 2);  // embedded: no XML declaration
  std::string personal_signature;
  if (detached) {
    const size_t start = signed_payload.find("<ds:Signature");
    const size_t end = signed_payload.find("</ds:Signature>") + std::string("</ds:Signature>").size();
    REQUIRE(start != std::string::npos);
    personal_signature = "<x:PersonalSignature>" + signed_payload.substr(start, end - start) + "</x:PersonalSignature>";
    signed_payload.erase(start, end - start);
  }
  std::string body = WithMessageId(Example("SendRequest.request.xml", false), FreshUuid());
  const size_t content_start = body.find("<x:MessagePrimaryContent>") + std::string("<x:MessagePrimaryContent>").size();
  const size_t content_end = body.find("</x:MessagePrimaryContent>");
  body.replace(content_start, content_end - content_start, signed_payload);
  body.insert(body.find("</x:MessagePrimaryContent>") + std::string("</x:MessagePrimaryContent>").size(),
              personal_signature);

  SoapReply sent = gateway.As(kSocialDept).Call(body, false);
  INFO(sent.body);
  REQUIRE(sent.status == 200);
  std::vector<v1::Message> received;
  REQUIRE(gateway.GrpcAs(kZags).Receive(1, 2000, 0, &received).ok());
  REQUIRE(received.size() == 1);
  CHECK(received[0].payload_signer().subject().find("SOCPROT-BARNAUL-IS") != std::string::npos);
  CHECK(received[0].payload_signer().algorithm() == "ecdsa-p256-sha256");
  CHECK(received[0].request().payload().find("<ds:Signature") != std::string::npos);

  // The same document changed after signing is refused with the core's code.
  const std::string tampered = Replace(body, "Теплякова", "Теплова");
  REQUIRE(tampered != body);
  SoapReply refused = gateway.As(kSocialDept).Call(WithMessageId(tampered, FreshUuid()), false);
  CHECK(refused.status == 400);
  CHECK(refused.error_code == "SIGNATURE_INVALID");
}

// The calling information system's signature over its data block (CallerInformationSystemSignature, a Reference
// to the block's Id), made by Debian's stock xmlsec1 from a template: accepted from the caller's own system, refused
// when the block changed after signing, when another organisation's certificate signed it, or when it refers to
// something else.
constexpr char kCallerSignatureTemplate[] =
    R"(<x:CallerInformationSystemSignature><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">)"
    R"(<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>)"
    R"(<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>)"
    R"(<ds:Reference URI="#REFERENCE"><ds:Transforms>)"
    R"(<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>)"
    R"(<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>)"
    R"(</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>)"
    R"(</x:CallerInformationSystemSignature>)";

std::string SignedByCaller(const std::filesystem::path& dir, const SealIdentity& signer, std::string body,
                           const std::string& reference = "SIGNED_BY_CALLER",
                           const std::string& referenced_element = "SenderProvidedRequestData") {
  body = Replace(body, "<x:SenderProvidedRequestData>", "<x:SenderProvidedRequestData Id=\"SIGNED_BY_CALLER\">");
  const std::string end_of_block = "</x:SenderProvidedRequestData>";
  body.insert(body.find(end_of_block) + end_of_block.size(), Replace(kCallerSignatureTemplate, "REFERENCE", reference));
  const std::filesystem::path in = dir / "unsigned.xml";
  const std::filesystem::path out = dir / "signed.xml";
  std::ofstream(in, std::ios::binary) << body;
  const CommandResult signed_call = RunCommand(
      {"/usr/bin/xmlsec1", "--sign", "--privkey-pem", signer.key.string() + "," + signer.certificate.string(),
       "--id-attr:Id", "urn:mezhved:exchange:1:" + referenced_element, "--output", out.string(), in.string()});
  INFO(signed_call.err);
  REQUIRE(signed_call.exit_status == 0);
  return ReadText(out.string());
}

TEST_CASE("the calling system's signature over its data block is verified", "[integration][soap][signature]") {
  seal::SealFixture keys;
  // The registry knows each organisation's systems by certificate CN = its code (SmallRegionConfig).
  const SealIdentity own_system = keys.pki.Issue(kSocialDept, seal::Algorithm::kEcdsaP256Sha256);
  const SealIdentity other_system = keys.pki.Issue(kZags, seal::Algorithm::kEcdsaP256Sha256);
  SoapDaemon gateway("", "sender_trust { ca_files: \"" + keys.pki.ca_file().string() + "\" }\n");
  SoapClient social = gateway.As(kSocialDept);
  TempDir work;
  auto request = [&] { return WithMessageId(Example("SendRequest.request.xml", false), FreshUuid()); };

  SoapReply accepted = social.Call(SignedByCaller(work.path(), own_system, request()), false);
  INFO(accepted.body);
  CHECK(accepted.status == 200);

  SECTION("the block changed after signing") {
    const std::string changed =
        Replace(SignedByCaller(work.path(), own_system, request()), "USZN-BIYSK-2025-000311", "USZN-BIYSK-2025-000312");
    SoapReply reply = social.Call(changed, false);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "SIGNATURE_INVALID");
  }
  SECTION("signed by another organisation's system") {
    SoapReply reply = social.Call(SignedByCaller(work.path(), other_system, request()), false);
    CHECK(reply.status == 403);
    CHECK(reply.error_code == "SENDER_MISMATCH");
  }
  SECTION("a signature over something other than the block") {
    std::string body = request();
    body = Replace(body, "</x:MessageID>", "</x:MessageID><x:TransactionCode Id=\"OTHER\">x</x:TransactionCode>");
    body = Replace(body, "<x:TransactionCode>USZN-BIYSK-2025-000311</x:TransactionCode>", "");
    SoapReply reply = social.Call(SignedByCaller(work.path(), own_system, body, "OTHER", "TransactionCode"), false);
    CHECK(reply.status == 400);
    CHECK(reply.error_code == "SIGNATURE_MALFORMED");
  }
}

TEST_CASE("a request body over the limit is refused with 413 and a fault", "[integration][soap]") {
  SoapDaemon gateway("max_request_bytes: 8192");
  const std::string large = Envelope(false, "<x:GetIncomingQueueStatisticsRequest xmlns:x=\"urn:mezhved:exchange:1\">" +
                                                std::string(20000, ' ') + "</x:GetIncomingQueueStatisticsRequest>");
  SoapReply reply = gateway.As(kSocialDept).Call(large, false);
  CHECK(reply.status == 413);
  CHECK(reply.error_code == "MESSAGE_TOO_LARGE");
}

TEST_CASE("an organisation over its quota of calls in flight is refused with 429", "[integration][soap]") {
  SoapDaemon gateway("max_calls_per_organisation: 1");
  // A long poll holds the organisation's one slot for two seconds.
  auto waiting = std::async(std::launch::async, [&] {
    SoapClient zags = gateway.As(kZags);
    return zags.Call(Envelope(false, ReceiveBody("GetRequestRequest", 2000)), false).status;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  SoapReply refused = gateway.As(kZags).Call(
      Envelope(false, "<x:GetIncomingQueueStatisticsRequest xmlns:x=\"urn:mezhved:exchange:1\"/>"), false);
  CHECK(refused.status == 429);
  CHECK(refused.error_code == "QUOTA_EXCEEDED");
  CHECK(waiting.get() == 200);
  // Another organisation is not held up, and the slot comes back.
  CHECK(gateway.As(kSocialDept)
            .Call(Envelope(false, "<x:GetIncomingQueueStatisticsRequest xmlns:x=\"urn:mezhved:exchange:1\"/>"), false)
            .status == 200);
}

int ConnectTo(const std::string& address) {
  const size_t colon = address.rfind(':');
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) == 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

// Whether the server closed the connection (read returns 0 or a reset) within the socket's receive timeout.
bool ClosedByServer(int fd) {
  char byte = 0;
  const ssize_t read_bytes = recv(fd, &byte, 1, 0);
  return read_bytes == 0 || (read_bytes < 0 && errno == ECONNRESET);
}

TEST_CASE("slow and surplus connections cannot hold the SOAP listener", "[integration][soap]") {
  SoapDaemon gateway("read_timeout_ms: 500 max_connections: 3");
  const std::string& address = gateway.daemon().soap_address();

  SECTION("a client that trickles its headers is cut off after read_timeout_ms") {
    const int fd = ConnectTo(address);
    const std::string start = "POST /soap HTTP/1.1\r\nHost: x\r\n";
    REQUIRE(send(fd, start.data(), start.size(), 0) == static_cast<ssize_t>(start.size()));
    const auto before = std::chrono::steady_clock::now();
    for (int i = 0; i < 10 && send(fd, "X", 1, MSG_NOSIGNAL) == 1; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a byte at a time, well within any idle limit
    }
    CHECK(ClosedByServer(fd));
    CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(3));
    close(fd);
  }
  SECTION("connections beyond max_connections are closed at once, and served again when one goes") {
    std::vector<int> held;
    for (int i = 0; i < 3; ++i) {
      held.push_back(ConnectTo(address));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int surplus = ConnectTo(address);
    CHECK(ClosedByServer(surplus));
    close(surplus);
    for (int fd : held) {
      close(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    SoapReply served =
        gateway.As(kSocialDept)
            .Call(Envelope(false, "<x:GetIncomingQueueStatisticsRequest xmlns:x=\"urn:mezhved:exchange:1\"/>"), false);
    CHECK(served.status == 200);
  }
  SECTION("keep-alive: several calls on one connection") {
    SoapClient client = gateway.As(kSocialDept);
    for (int i = 0; i < 3; ++i) {
      CHECK(
          client
              .Call(Envelope(false, "<x:GetIncomingQueueStatisticsRequest xmlns:x=\"urn:mezhved:exchange:1\"/>"), false)
              .status == 200);
    }
  }
}

// A stock WSDL-driven SOAP client from npm (`soap`, installed by tools/run-tests.sh with `npm ci`) reads the WSDL
// from the running daemon and drives every operation with it (tests/soap/wsdl_client/client_test.mjs).
TEST_CASE("a stock WSDL-driven SOAP client from npm drives every operation", "[integration][soap][npm]") {
  const bool soap12 = GENERATE(false, true);
  const std::string client_dir = std::string(MEZHVED_SOURCE_DIR) + "/tests/soap/wsdl_client";
  INFO("needs `npm ci` in " + client_dir + " (tools/run-tests.sh runs it)");
  REQUIRE(std::filesystem::exists(client_dir + "/node_modules/soap/package.json"));
  SoapDaemon gateway;
  std::vector<std::string> command = {"/usr/bin/env",
                                      "node",
                                      client_dir + "/client_test.mjs",
                                      "--wsdl",
                                      "http://" + gateway.daemon().soap_address() + "/soap?wsdl",
                                      "--requester",
                                      kSocialDept,
                                      "--addressee",
                                      kZags};
  if (soap12) {
    command.emplace_back("--soap12");
  }
  const CommandResult run = RunCommand(command, std::chrono::milliseconds(120'000));
  INFO(run.out);
  INFO(run.err);
  CHECK(run.exit_status == 0);
  CHECK(run.out.find("all steps passed") != std::string::npos);
}

// With TLS the caller is its client certificate, mapped as on the gRPC API; the seal on a message delivered over
// SOAP verifies with Debian's stock xmlsec1 once the m:Message element is taken out as a document of its own.
TEST_CASE("over TLS, SOAP callers are their certificates and delivered messages carry the gateway's seal",
          "[integration][soap][tls]") {
  TempDir dir;
  TestPki pki(dir / "pki");
  const CertFiles server = pki.IssueServer();
  const ServerTlsFiles tls{server.cert.string(), server.key.string(), pki.ca_file().string()};
  const CertFiles social_cert = pki.IssueClient(kSocialDept);
  const CertFiles zags_cert = pki.IssueClient(kZags);
  const CertFiles stranger = pki.IssueClient("NOT-IN-REGISTRY");
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", SmallRegionConfigText("data", &tls));
  daemon.Start();
  const std::string& address = daemon.soap_address();
  auto client_for = [&](const CertFiles& cert) {
    auto client = std::make_unique<httplib::Client>("https://" + address, cert.cert.string(), cert.key.string());
    client->set_ca_cert_path(pki.ca_file().string());
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(20, 0);
    return SoapClient(std::move(client));
  };
  SoapClient social = client_for(social_cert);
  const std::string id = Field(SendExampleRequest(social, true, FreshUuid()).body, "x:MessageID");
  REQUIRE_FALSE(id.empty());
  CHECK(client_for(stranger).Call(Envelope(true, ReceiveBody("GetRequestRequest", 0)), true).error_code ==
        "UNAUTHENTICATED");

  SoapReply received = client_for(zags_cert).Call(Envelope(true, ReceiveBody("GetRequestRequest", 2000)), true);
  REQUIRE(Field(received.body, "x:MessageID") == id);
  const size_t start = received.body.find("<m:Message ");
  const size_t end = received.body.find("</m:Message>");
  REQUIRE(start != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string sealed = received.body.substr(start, end + std::string("</m:Message>").size() - start);
  CHECK(sealed.find("<ds:Signature") != std::string::npos);
  const std::filesystem::path file = dir / "sealed.xml";
  std::ofstream(file, std::ios::binary) << sealed;
  const CommandResult verified = RunCommand({"/usr/bin/xmlsec1", "--verify", "--trusted-pem", pki.ca_file().string(),
                                             "--enabled-reference-uris", "empty", file.string()});
  INFO(verified.err);
  CHECK(verified.exit_status == 0);
}

}  // namespace
}  // namespace mezhved::testing
