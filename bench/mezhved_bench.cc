// mezhved_bench: load for a running gateway through the agency API. Senders send complete interagency requests
// with XML payloads; receivers long-poll the addressee's queue and acknowledge what they get. Only what happens
// after the warm-up counts. Each request carries a token with the steady-clock time its send started, in the
// idempotency key and, because the key does not travel with the message, in registration.outgoing_number, from
// which the receiver computes the send->receive latency.
//
// With --soap the same load goes through the SOAP API instead (docs/SOAP.md), one message per GetRequest and Ack, as
// the federal system's exchange does it.
//
// With --scrape URL a thread also reads the operators' listener's /metrics every --scrape-interval seconds for the
// whole run, as Prometheus would (but more often), and reports how many scrapes it made and how long they took: the
// load of docs/PERFORMANCE.md "The operators' console and metrics".
//
// Exit status: 0 a clean run, 1 errors happened or nothing got through end to end, 2 usage, 3 no connection.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "envelope/xml_form.h"
#include "mezhved/v1/gateway.grpc.pb.h"
#include "tools/mezhvedctl/grpc_client.h"

namespace mezhved::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

enum ExitCode : int { kExitOk = 0, kExitFailures = 1, kExitUsage = 2, kExitCannotConnect = 3 };

constexpr auto kSendDeadline = std::chrono::seconds(30);
constexpr auto kReceiveDeadlineSlack = std::chrono::seconds(10);  // on top of wait_ms
constexpr uint32_t kReceiveWaitMs = 1000;
constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kRetryPause = std::chrono::milliseconds(100);  // after a failed call, so a dead server is not spun on

struct Options {
  std::string target = "127.0.0.1:7790";
  int senders = 16;
  int receivers = 4;
  double duration_seconds = 20;
  double warmup_seconds = 3;
  size_t payload_bytes = 4096;
  double rate = 0;  // messages per second over all senders; 0: as fast as they go
  uint32_t batch = 64;
  std::string from = "SOCPROT-BARNAUL";
  std::string to = "ZAGS-BARNAUL";
  int channels = 4;  // connections the senders share; each receiver has its own
  std::string ca_file;
  std::string sender_cert;
  std::string sender_key;
  std::string receiver_cert;
  std::string receiver_key;
  std::string tls_server_name;
  std::string soap;    // host:port of the SOAP API: load it instead of the gRPC API (insecure loopback mode)
  std::string scrape;  // http://host:port/metrics of the operators' listener (plain HTTP): read it during the run
  double scrape_interval_seconds = 1;
  bool json = false;
};

// The measurement window, on the steady clock.
struct Window {
  Clock::time_point warmup_end;
  Clock::time_point end;

  bool Contains(Clock::time_point t) const { return t >= warmup_end && t < end; }
  double seconds() const { return std::chrono::duration<double>(end - warmup_end).count(); }
};

// What one thread saw; merged after the run, so threads never contend on counters.
struct ThreadStats {
  uint64_t sent = 0;         // sends acknowledged by the gateway, in the window
  uint64_t sent_total = 0;   // including the warm-up
  uint64_t received = 0;     // messages returned by Receive, in the window (redeliveries too)
  uint64_t redelivered = 0;  // of those, delivery_attempt > 1
  uint64_t acked = 0;        // this run's messages acknowledged (ACKNOWLEDGED), in the window
  uint64_t acked_total = 0;  // this run's messages acknowledged, including the warm-up
  uint64_t end_to_end = 0;   // sent after the warm-up and acknowledged before the end
  uint64_t foreign = 0;      // messages without this run's token (left over from an earlier run)
  std::vector<int64_t> send_rpc_ns;
  std::vector<int64_t> delivery_latency_ns;  // send start -> Receive returned, first deliveries
  std::map<std::string, uint64_t> errors;    // stable code (or gRPC code) -> count, in the window

  void Merge(const ThreadStats& other) {
    sent += other.sent;
    sent_total += other.sent_total;
    received += other.received;
    redelivered += other.redelivered;
    acked += other.acked;
    acked_total += other.acked_total;
    end_to_end += other.end_to_end;
    foreign += other.foreign;
    send_rpc_ns.insert(send_rpc_ns.end(), other.send_rpc_ns.begin(), other.send_rpc_ns.end());
    delivery_latency_ns.insert(delivery_latency_ns.end(), other.delivery_latency_ns.begin(),
                               other.delivery_latency_ns.end());
    for (const auto& [code, count] : other.errors) {
      errors[code] += count;
    }
  }
};

// What the scraper saw: every scrape of the run (warm-up included, since the listener's cost spans the whole run).
struct ScrapeStats {
  uint64_t scrapes = 0;  // answered 200
  uint64_t failed = 0;   // any other answer, or no answer
  size_t last_bytes = 0;
  std::vector<int64_t> latency_ns;
};

// "http://127.0.0.1:7793/metrics" (or "127.0.0.1:7793", path /metrics) as host, port and path.
struct HttpTarget {
  std::string host;
  int port = 0;
  std::string path;
};

std::optional<HttpTarget> ParseHttpTarget(std::string url) {
  if (url.starts_with("http://")) {
    url = url.substr(7);
  }
  const size_t slash = url.find('/');
  HttpTarget target;
  target.path = slash == std::string::npos ? "/metrics" : url.substr(slash);
  const std::string authority = url.substr(0, slash);
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return std::nullopt;
  }
  target.host = authority.substr(0, colon);
  const std::string port = authority.substr(colon + 1);
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), target.port);
  if (error != std::errc() || end != port.data() + port.size() || target.port <= 0 || target.port > 65535) {
    return std::nullopt;
  }
  return target;
}

int64_t SteadyNanos(Clock::time_point t) {
  return std::chrono::duration_cast<nanoseconds>(t.time_since_epoch()).count();
}

// "bench-<run>-<sender>-<sequence>-<send start, steady ns>": unique per run, printable ASCII, under 128 characters.
std::string SendToken(const std::string& run_id, int sender, uint64_t sequence, Clock::time_point send_start) {
  return "bench-" + run_id + "-" + std::to_string(sender) + "-" + std::to_string(sequence) + "-" +
         std::to_string(SteadyNanos(send_start));
}

// The send start of a token of this run, or nothing for anything else.
std::optional<Clock::time_point> SendStartOf(const std::string& token, const std::string& run_id) {
  std::string prefix = "bench-" + run_id + "-";
  size_t last_dash = token.rfind('-');
  if (!token.starts_with(prefix) || last_dash == std::string::npos) {
    return std::nullopt;
  }
  int64_t nanos = 0;
  const char* digits = token.data() + last_dash + 1;
  auto [end, error] = std::from_chars(digits, token.data() + token.size(), nanos);
  if (error != std::errc() || end != token.data() + token.size()) {
    return std::nullopt;
  }
  return Clock::time_point(nanoseconds(nanos));
}

v1::Date ToDate(std::chrono::sys_days day) {
  std::chrono::year_month_day date(day);
  v1::Date result;
  result.set_year(static_cast<int>(date.year()));
  result.set_month(static_cast<int>(static_cast<unsigned>(date.month())));
  result.set_day(static_cast<int>(static_cast<unsigned>(date.day())));
  return result;
}

// A zags.civil-status-record 1.0 request document (schemas/) that its XSD accepts, padded to exactly payload_bytes
// bytes by a comment (or the bare document, when that is longer), so the gateway's validation does its full work.
std::string XmlPayload(size_t payload_bytes) {
  const std::string head =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<CivilStatusRecordRequest xmlns=\"urn:mezhved:types:zags:civil-status-record:1\">"
      "<RecordKind>BIRTH</RecordKind><CitizenRole>ANY</CitizenRole><!-- ";
  const std::string tail = " --></CivilStatusRecordRequest>\n";
  const std::string filler = "The quick brown fox jumps over the lazy dog 0123456789; ";
  std::string payload = head;
  size_t target = std::max(payload_bytes, head.size() + tail.size());
  while (payload.size() + tail.size() < target) {
    payload += filler.substr(0, target - tail.size() - payload.size());
  }
  return payload + tail;
}

// Every item of DOMAIN.md "What a request must contain", filled in as an information system would.
// The SOAP API's requests, as text with slots, filled in per call: far cheaper than building XML per message.
constexpr std::string_view kIdSlot = "@@MESSAGE_ID@@";
constexpr std::string_view kTokenSlot = "@@TOKEN@@";
constexpr char kSoapEnvelopeStart[] = R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>)";
constexpr char kSoapEnvelopeEnd[] = "</s:Body></s:Envelope>";

// The text between <name> and </name> from `from` on, or "".
std::string_view Between(std::string_view text, std::string_view name, size_t from = 0) {
  const std::string open = "<" + std::string(name) + ">";
  const size_t start = text.find(open, from);
  if (start == std::string_view::npos) {
    return {};
  }
  const size_t end = text.find("</" + std::string(name) + ">", start);
  return end == std::string_view::npos ? std::string_view()
                                       : text.substr(start + open.size(), end - start - open.size());
}

std::string Fill(std::string text, std::string_view slot, const std::string& value) {
  const size_t at = text.find(slot);
  return at == std::string::npos ? text : text.replace(at, slot.size(), value);
}

// A random UUID (version 4), the sender's MessageID of a SOAP SendRequest.
std::string RandomUuid(std::mt19937_64& random) {
  const uint64_t high = (random() & ~0xF000ULL) | 0x4000ULL;
  const uint64_t low = (random() & ~(0xCULL << 60)) | (0x8ULL << 60);
  std::array<char, 37> text{};
  std::snprintf(text.data(), text.size(), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text.data();
}

// SendRequestRequest for `request`, with the MessageID and the outgoing number left as slots.
std::string SoapSendTemplate(v1::RequestEnvelope request) {
  request.mutable_registration()->set_outgoing_number(std::string(kTokenSlot));
  v1::Message message;
  *message.mutable_request() = std::move(request);
  const StatusOr<std::string> form = envelope::ToXml(message);
  if (!form.ok()) {
    throw std::runtime_error("cannot write the request's XML form: " + form.status().ToString());
  }
  return std::string(kSoapEnvelopeStart) +
         R"(<x:SendRequestRequest xmlns:x="urn:mezhved:exchange:1" xmlns:m="urn:mezhved:envelope:1">)" +
         "<x:SenderProvidedRequestData><x:MessageID>" + std::string(kIdSlot) + "</x:MessageID><x:Request>" +
         std::string(Between(*form, "m:Request")) +
         "</x:Request></x:SenderProvidedRequestData></x:SendRequestRequest>" + kSoapEnvelopeEnd;
}

std::string SoapGetRequest(uint32_t wait_ms) {
  return std::string(kSoapEnvelopeStart) +
         R"(<x:GetRequestRequest xmlns:x="urn:mezhved:exchange:1"><x:MessageTypeSelector><x:Timestamp>)" +
         "2026-01-01T00:00:00Z</x:Timestamp></x:MessageTypeSelector><x:WaitMilliseconds>" + std::to_string(wait_ms) +
         "</x:WaitMilliseconds></x:GetRequestRequest>" + kSoapEnvelopeEnd;
}

v1::RequestEnvelope RequestTemplate(const Options& options) {
  std::chrono::sys_days today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  v1::RequestEnvelope request;
  request.set_requester_code(options.from);
  request.set_addressee_code(options.to);
  request.mutable_information_type()->set_id("zags.civil-status-record");
  request.mutable_information_type()->set_version("1.0");
  v1::Authority* authority = request.mutable_authority();
  authority->set_code("social-support.child-allowance");
  authority->set_name("Назначение ежемесячного пособия на ребёнка");
  authority->set_legal_act("Федеральный закон от 27.07.2010 № 210-ФЗ");
  authority->set_provision("ч. 1 ст. 7.2");
  v1::Citizen* citizen = request.mutable_citizen();
  citizen->set_last_name("Иванова");
  citizen->set_first_name("Мария");
  citizen->set_middle_name("Петровна");
  *citizen->mutable_birth_date() = ToDate(std::chrono::sys_days(std::chrono::year(1985) / 4 / 12));
  citizen->set_snils("112-233-445 95");
  request.mutable_reply_contact()->set_email("socprot-barnaul@example.gov.ru");
  v1::Registration* registration = request.mutable_registration();
  *registration->mutable_sent_date() = ToDate(today);
  *registration->mutable_expected_response_date() = ToDate(today + std::chrono::days(5));
  v1::Preparer* preparer = request.mutable_preparer();
  preparer->set_full_name("Петрова Анна Сергеевна");
  preparer->set_position("главный специалист");
  preparer->set_work_phone("+7 3852 00-00-00");
  preparer->set_work_email("a.petrova@example.gov.ru");
  v1::PersonalDataConsent* consent = request.mutable_consent();
  consent->set_obtained(true);
  consent->set_document_reference("заявление о согласии на обработку персональных данных № 1");
  *consent->mutable_date() = ToDate(today);
  request.set_payload(XmlPayload(options.payload_bytes));
  return request;
}

std::string ErrorCodeOf(const grpc::Status& status, const grpc::ClientContext& context) {
  return ctl::DecodeRpcError(status, context.GetServerTrailingMetadata()).detail.code();
}

std::optional<ctl::TlsFiles> TlsFor(const Options& options, const std::string& cert, const std::string& key) {
  if (options.ca_file.empty()) {
    return std::nullopt;
  }
  return ctl::TlsFiles{options.ca_file, cert, key, options.tls_server_name};
}

class Bench {
 public:
  Bench(Options options, std::vector<std::shared_ptr<grpc::Channel>> sender_channels,
        std::vector<std::shared_ptr<grpc::Channel>> receiver_channels)
      : options_(std::move(options)),
        sender_channels_(std::move(sender_channels)),
        receiver_channels_(std::move(receiver_channels)),
        template_(RequestTemplate(options_)),
        run_id_(RunId()) {
    if (!options_.soap.empty()) {
      soap_send_ = SoapSendTemplate(template_);
    }
  }

  // Runs the warm-up and the measurement; returns the merged statistics.
  ThreadStats Run() {
    Clock::time_point start = Clock::now();
    window_.warmup_end = start + ToDuration(options_.warmup_seconds);
    window_.end = window_.warmup_end + ToDuration(options_.duration_seconds);
    std::vector<ThreadStats> stats(options_.senders + options_.receivers + 1);  // the last one: the scraper's errors
    std::vector<std::thread> threads;
    threads.reserve(stats.size());
    if (!options_.scrape.empty()) {
      threads.emplace_back([this, start, &stats] { ScrapeLoop(start, stats.back()); });
    }
    const bool soap = !options_.soap.empty();
    for (int i = 0; i < options_.senders; ++i) {
      threads.emplace_back([this, i, start, &stats] { SendLoop(i, start, stats[i]); });
    }
    for (int i = 0; i < options_.receivers; ++i) {
      threads.emplace_back([this, i, soap, &stats] {
        soap ? SoapReceiveLoop(stats[options_.senders + i]) : ReceiveLoop(i, stats[options_.senders + i]);
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    ThreadStats total;
    for (const ThreadStats& one : stats) {
      total.Merge(one);
    }
    return total;
  }

  const Window& window() const { return window_; }
  size_t payload_size() const { return template_.payload().size(); }
  ScrapeStats& scrapes() { return scrapes_; }

 private:
  static std::string RunId() {
    std::random_device random;
    std::array<char, 9> hex{};
    std::snprintf(hex.data(), hex.size(), "%08x", static_cast<unsigned>(random()));
    return hex.data();
  }

  static Clock::duration ToDuration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }

  // GET --scrape every --scrape-interval from the start of the warm-up to the end of the window, on one keep-alive
  // connection, as a Prometheus server does. A scrape that fails counts as an error in the window.
  void ScrapeLoop(Clock::time_point start, ThreadStats& stats) {
    const std::optional<HttpTarget> target = ParseHttpTarget(options_.scrape);
    if (!target) {
      ++stats.errors["scrape: malformed --scrape URL"];
      return;
    }
    httplib::Client client(target->host, target->port);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    client.set_read_timeout(10, 0);
    const Clock::duration interval = ToDuration(options_.scrape_interval_seconds);
    for (Clock::time_point next = start; next < window_.end; next += interval) {
      std::this_thread::sleep_until(next);
      const Clock::time_point began = Clock::now();
      httplib::Result result = client.Get(target->path);
      const Clock::time_point done = Clock::now();
      if (!result || result->status != 200) {
        ++scrapes_.failed;
        if (window_.Contains(done)) {
          ++stats.errors["scrape " + (result ? "HTTP " + std::to_string(result->status)
                                             : "HTTP " + httplib::to_string(result.error()))];
        }
        continue;
      }
      ++scrapes_.scrapes;
      scrapes_.last_bytes = result->body.size();
      scrapes_.latency_ns.push_back((done - began).count());
    }
  }

  void SendLoop(int sender, Clock::time_point start, ThreadStats& stats) {
    std::unique_ptr<v1::AgencyGateway::Stub> stub;
    std::unique_ptr<httplib::Client> soap;
    std::mt19937_64 random(std::random_device{}());
    if (options_.soap.empty()) {
      stub = v1::AgencyGateway::NewStub(sender_channels_[sender % sender_channels_.size()]);
    } else {
      soap = SoapClient();
    }
    // With a rate, each sender takes every senders-th slot of the common schedule.
    Clock::duration interval =
        options_.rate > 0 ? ToDuration(options_.senders / options_.rate) : Clock::duration::zero();
    Clock::time_point next = start + interval * sender / std::max(options_.senders, 1);
    for (uint64_t sequence = 0; Clock::now() < window_.end; ++sequence) {
      if (options_.rate > 0) {
        std::this_thread::sleep_until(next);
        // A sender that fell behind (a slow call) does not burst to catch up: the rate is an upper bound.
        next = std::max(next + interval, Clock::now());
      }
      if (soap) {
        SoapSendOne(*soap, random, sender, sequence, stats);
      } else {
        SendOne(*stub, sender, sequence, stats);
      }
    }
  }

  std::unique_ptr<httplib::Client> SoapClient() const {
    const size_t colon = options_.soap.rfind(':');
    auto client =
        std::make_unique<httplib::Client>(options_.soap.substr(0, colon), std::stoi(options_.soap.substr(colon + 1)));
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(kSendDeadline).count(), 0);
    return client;
  }

  // One SOAP call; the fault's code (or the transport's failure) when it did not answer 200.
  std::optional<std::string> SoapCall(httplib::Client& client, const std::string& organisation, const std::string& body,
                                      std::string& answer) const {
    const httplib::Headers headers = {{"X-Mezhved-Organisation", organisation}};
    httplib::Result result = client.Post("/soap", headers, body, "text/xml; charset=utf-8");
    if (!result) {
      return "HTTP " + httplib::to_string(result.error());
    }
    if (result->status != 200) {
      return std::string(Between(result->body, "x:Code"));
    }
    answer = std::move(result->body);
    return std::nullopt;
  }

  void SoapSendOne(httplib::Client& client, std::mt19937_64& random, int sender, uint64_t sequence,
                   ThreadStats& stats) {
    Clock::time_point send_start = Clock::now();
    const std::string body = Fill(Fill(soap_send_, kIdSlot, RandomUuid(random)), kTokenSlot,
                                  SendToken(run_id_, sender, sequence, send_start));
    std::string answer;
    const std::optional<std::string> failed = SoapCall(client, options_.from, body, answer);
    CountSend(send_start, Clock::now(), failed, stats);
  }

  // One send's outcome: `error` is the stable code of a refused send.
  void CountSend(Clock::time_point send_start, Clock::time_point done, const std::optional<std::string>& error,
                 ThreadStats& stats) const {
    if (error) {
      if (window_.Contains(done)) {
        ++stats.errors["SendRequest " + *error];
      }
      std::this_thread::sleep_for(kRetryPause);
      return;
    }
    ++stats.sent_total;
    if (window_.Contains(done)) {
      ++stats.sent;
      stats.send_rpc_ns.push_back((done - send_start).count());
    }
  }

  // One received message: of this run when its token gave `send_start`, counted in the window with its latency.
  void CountReceivedOne(std::optional<Clock::time_point> send_start, bool redelivered, Clock::time_point received_at,
                        ThreadStats& stats) const {
    if (!send_start) {
      ++stats.foreign;
      return;
    }
    if (!window_.Contains(received_at)) {
      return;
    }
    ++stats.received;
    if (redelivered) {
      ++stats.redelivered;
    } else if (*send_start >= window_.warmup_end) {
      stats.delivery_latency_ns.push_back((received_at - *send_start).count());
    }
  }

  // One acknowledged message of this run.
  void CountAcked(Clock::time_point send_start, bool in_window, ThreadStats& stats) const {
    ++stats.acked_total;
    if (in_window) {
      ++stats.acked;
      stats.end_to_end += send_start >= window_.warmup_end ? 1 : 0;
    }
  }

  // GetRequest, one message at a time, as the federal system does; the messages are acknowledged --batch at a time
  // (several AckTargetMessage in one Ack), or as soon as a GetRequest finds nothing.
  void SoapReceiveLoop(ThreadStats& stats) {
    std::unique_ptr<httplib::Client> client = SoapClient();
    const std::string get = SoapGetRequest(kReceiveWaitMs);
    std::unordered_map<std::string, Clock::time_point> unacked;  // this run's messages, by id
    std::vector<std::string> to_ack;
    while (Clock::now() < window_.end) {
      std::string answer;
      const std::optional<std::string> failed = SoapCall(*client, options_.to, get, answer);
      Clock::time_point received_at = Clock::now();
      if (failed) {
        if (window_.Contains(received_at)) {
          ++stats.errors["GetRequest " + *failed];
        }
        std::this_thread::sleep_for(kRetryPause);
        continue;
      }
      const std::string id(Between(answer, "x:MessageID"));
      if (!id.empty()) {
        CountSoapReceived(answer, id, received_at, unacked, stats);
        to_ack.push_back(id);
      }
      if (!to_ack.empty() && (id.empty() || to_ack.size() >= options_.batch)) {
        SoapAckAll(*client, to_ack, unacked, stats);
        to_ack.clear();
      }
    }
    if (!to_ack.empty()) {
      SoapAckAll(*client, to_ack, unacked, stats);
    }
  }

  void CountSoapReceived(const std::string& answer, const std::string& id, Clock::time_point received_at,
                         std::unordered_map<std::string, Clock::time_point>& unacked, ThreadStats& stats) const {
    const std::optional<Clock::time_point> send_start =
        SendStartOf(std::string(Between(answer, "m:OutgoingNumber")), run_id_);
    if (send_start) {
      unacked[id] = *send_start;
    }
    CountReceivedOne(send_start, Between(answer, "x:DeliveryAttempt") != "1", received_at, stats);
  }

  void SoapAckAll(httplib::Client& client, const std::vector<std::string>& ids,
                  std::unordered_map<std::string, Clock::time_point>& unacked, ThreadStats& stats) const {
    std::string body = std::string(kSoapEnvelopeStart) + R"(<x:AckRequest xmlns:x="urn:mezhved:exchange:1">)";
    for (const std::string& id : ids) {
      body += "<x:AckTargetMessage>" + id + "</x:AckTargetMessage>";
    }
    body += std::string("</x:AckRequest>") + kSoapEnvelopeEnd;
    std::string acked;
    const std::optional<std::string> failed = SoapCall(client, options_.to, body, acked);
    const bool in_window = window_.Contains(Clock::now());
    if (failed) {
      if (in_window) {
        ++stats.errors["Ack " + *failed];
      }
      return;
    }
    for (size_t at = acked.find("<x:AckResult>"); at != std::string::npos; at = acked.find("<x:AckResult>", at + 1)) {
      const std::string id(Between(acked, "x:MessageID", at));
      const auto send_start = unacked.find(id);
      if (send_start == unacked.end() || Between(acked, "x:Outcome", at) != "ACKNOWLEDGED") {
        continue;
      }
      CountAcked(send_start->second, in_window, stats);
      unacked.erase(send_start);
    }
  }

  void SendOne(v1::AgencyGateway::Stub& stub, int sender, uint64_t sequence, ThreadStats& stats) {
    Clock::time_point send_start = Clock::now();
    std::string token = SendToken(run_id_, sender, sequence, send_start);
    v1::SendRequestRequest request;
    request.set_idempotency_key(token);
    *request.mutable_request() = template_;
    request.mutable_request()->mutable_registration()->set_outgoing_number(token);
    v1::SendResult result;
    grpc::ClientContext context;
    Prepare(context, options_.from, kSendDeadline);
    grpc::Status status = stub.SendRequest(&context, request, &result);
    CountSend(send_start, Clock::now(),
              status.ok() ? std::nullopt : std::optional<std::string>(ErrorCodeOf(status, context)), stats);
  }

  void ReceiveLoop(int receiver, ThreadStats& stats) {
    auto stub = v1::AgencyGateway::NewStub(receiver_channels_[receiver % receiver_channels_.size()]);
    while (Clock::now() < window_.end) {
      v1::ReceiveRequest request;
      request.set_max_messages(options_.batch);
      request.set_wait_ms(kReceiveWaitMs);
      v1::ReceiveResponse response;
      grpc::ClientContext context;
      Prepare(context, options_.to, std::chrono::milliseconds(kReceiveWaitMs) + kReceiveDeadlineSlack);
      grpc::Status status = stub->Receive(&context, request, &response);
      Clock::time_point received_at = Clock::now();
      if (!status.ok()) {
        if (window_.Contains(received_at)) {
          ++stats.errors["Receive " + ErrorCodeOf(status, context)];
        }
        std::this_thread::sleep_for(kRetryPause);
        continue;
      }
      if (!response.messages().empty()) {
        AckBatch(*stub, response, CountReceived(response, received_at, stats), stats);
      }
    }
  }

  // Counts a Receive's messages; returns each message's send start (for this run's messages).
  std::unordered_map<std::string, Clock::time_point> CountReceived(const v1::ReceiveResponse& response,
                                                                   Clock::time_point received_at,
                                                                   ThreadStats& stats) const {
    std::unordered_map<std::string, Clock::time_point> send_starts;
    for (const v1::Message& message : response.messages()) {
      std::optional<Clock::time_point> send_start =
          SendStartOf(message.request().registration().outgoing_number(), run_id_);
      if (send_start) {
        send_starts[message.message_id()] = *send_start;
      }
      CountReceivedOne(send_start, message.delivery_attempt() > 1, received_at, stats);
    }
    return send_starts;
  }

  void AckBatch(v1::AgencyGateway::Stub& stub, const v1::ReceiveResponse& received,
                const std::unordered_map<std::string, Clock::time_point>& send_starts, ThreadStats& stats) const {
    v1::AckRequest request;
    for (const v1::Message& message : received.messages()) {
      request.add_message_ids(message.message_id());
    }
    v1::AckResponse response;
    grpc::ClientContext context;
    Prepare(context, options_.to, kSendDeadline);
    grpc::Status status = stub.Ack(&context, request, &response);
    Clock::time_point acked_at = Clock::now();
    bool in_window = window_.Contains(acked_at);
    if (!status.ok()) {
      if (in_window) {
        ++stats.errors["Ack " + ErrorCodeOf(status, context)];
      }
      return;
    }
    for (const v1::AckResult& result : response.results()) {
      auto send_start = send_starts.find(result.message_id());
      if (result.outcome() != v1::ACK_OUTCOME_ACKNOWLEDGED || send_start == send_starts.end()) {
        continue;
      }
      CountAcked(send_start->second, in_window, stats);
    }
  }

  void Prepare(grpc::ClientContext& context, const std::string& organisation, Clock::duration timeout) const {
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout));
    if (options_.ca_file.empty()) {
      context.AddMetadata(ctl::kOrganisationHeader, organisation);
    }
  }

  Options options_;
  std::vector<std::shared_ptr<grpc::Channel>> sender_channels_;
  std::vector<std::shared_ptr<grpc::Channel>> receiver_channels_;
  v1::RequestEnvelope template_;
  std::string run_id_;
  std::string soap_send_;  // SendRequestRequest with slots, in --soap mode
  Window window_;
  ScrapeStats scrapes_;  // written by the scraper thread only, read after it has been joined
};

// Nearest-rank percentile in milliseconds; 0 when there are no samples. Sorts samples.
double PercentileMs(std::vector<int64_t>& samples, double percentile) {
  if (samples.empty()) {
    return 0;
  }
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<size_t>(std::ceil(percentile / 100.0 * static_cast<double>(samples.size())));
  return static_cast<double>(samples[std::clamp<size_t>(rank, 1, samples.size()) - 1]) / 1e6;
}

nlohmann::json Report(const Options& options, Bench& bench, ThreadStats& stats) {
  double seconds = bench.window().seconds();
  auto per_second = [seconds](uint64_t count) { return static_cast<double>(count) / seconds; };
  nlohmann::json report = {
      {"target", options.soap.empty() ? options.target : options.soap},
      {"api", options.soap.empty() ? "grpc" : "soap"},
      {"senders", options.senders},
      {"receivers", options.receivers},
      {"duration_seconds", seconds},
      {"warmup_seconds", options.warmup_seconds},
      {"payload_bytes", bench.payload_size()},
      {"rate_limit_per_second", options.rate},
      {"batch", options.batch},
      {"sent_per_second", per_second(stats.sent)},
      {"received_per_second", per_second(stats.received)},
      {"acked_per_second", per_second(stats.acked)},
      {"end_to_end_per_second", per_second(stats.end_to_end)},
      {"counts",
       {{"sent", stats.sent},
        {"received", stats.received},
        {"redelivered", stats.redelivered},
        {"acked", stats.acked},
        {"end_to_end", stats.end_to_end},
        {"foreign", stats.foreign},
        {"unacknowledged_at_end", stats.sent_total - std::min(stats.sent_total, stats.acked_total)}}},
      {"delivery_latency_ms",
       {{"p50", PercentileMs(stats.delivery_latency_ns, 50)},
        {"p90", PercentileMs(stats.delivery_latency_ns, 90)},
        {"p99", PercentileMs(stats.delivery_latency_ns, 99)},
        {"max", PercentileMs(stats.delivery_latency_ns, 100)},
        {"samples", stats.delivery_latency_ns.size()}}},
      {"send_rpc_ms",
       {{"p50", PercentileMs(stats.send_rpc_ns, 50)},
        {"p99", PercentileMs(stats.send_rpc_ns, 99)},
        {"samples", stats.send_rpc_ns.size()}}},
      {"errors", stats.errors},
  };
  if (!options.scrape.empty()) {
    ScrapeStats& scrapes = bench.scrapes();
    report["scrape"] = {{"url", options.scrape},
                        {"interval_seconds", options.scrape_interval_seconds},
                        {"scrapes", scrapes.scrapes},
                        {"failed", scrapes.failed},
                        {"bytes", scrapes.last_bytes},
                        {"latency_ms",
                         {{"p50", PercentileMs(scrapes.latency_ns, 50)},
                          {"p99", PercentileMs(scrapes.latency_ns, 99)},
                          {"max", PercentileMs(scrapes.latency_ns, 100)}}}};
  }
  return report;
}

void PrintHuman(const nlohmann::json& report) {
  const nlohmann::json& counts = report["counts"];
  const nlohmann::json& latency = report["delivery_latency_ms"];
  const nlohmann::json& send_rpc = report["send_rpc_ms"];
  std::printf("mezhved_bench -> %s: %d senders, %d receivers, %.0f s after a %.0f s warm-up, %zu-byte payloads, %s\n",
              report["target"].get<std::string>().c_str(), report["senders"].get<int>(), report["receivers"].get<int>(),
              report["duration_seconds"].get<double>(), report["warmup_seconds"].get<double>(),
              report["payload_bytes"].get<size_t>(),
              report["rate_limit_per_second"].get<double>() > 0
                  ? ("rate limit " + report["rate_limit_per_second"].dump() + " msg/s").c_str()
                  : "no rate limit");
  std::printf("  sent        %10.1f msg/s  (%llu sends acknowledged by the gateway)\n",
              report["sent_per_second"].get<double>(), counts["sent"].get<unsigned long long>());
  std::printf("  received    %10.1f msg/s  (%llu, of which %llu redelivered)\n",
              report["received_per_second"].get<double>(), counts["received"].get<unsigned long long>(),
              counts["redelivered"].get<unsigned long long>());
  std::printf("  acked       %10.1f msg/s\n", report["acked_per_second"].get<double>());
  std::printf("  end to end  %10.1f msg/s  (sent, stored, received and acknowledged in the window)\n",
              report["end_to_end_per_second"].get<double>());
  std::printf("  send->receive latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  (%zu samples)\n",
              latency["p50"].get<double>(), latency["p90"].get<double>(), latency["p99"].get<double>(),
              latency["max"].get<double>(), latency["samples"].get<size_t>());
  std::printf("  SendRequest RPC ms:       p50 %.1f  p99 %.1f\n", send_rpc["p50"].get<double>(),
              send_rpc["p99"].get<double>());
  std::printf("  left unacknowledged at the end: %llu; messages of other runs acknowledged: %llu\n",
              counts["unacknowledged_at_end"].get<unsigned long long>(), counts["foreign"].get<unsigned long long>());
  if (report.contains("scrape")) {
    const nlohmann::json& scrape = report["scrape"];
    std::printf(
        "  /metrics scraped %llu times (%llu failed), every %.1f s, %zu bytes; ms p50 %.1f  p99 %.1f  max %.1f\n",
        scrape["scrapes"].get<unsigned long long>(), scrape["failed"].get<unsigned long long>(),
        scrape["interval_seconds"].get<double>(), scrape["bytes"].get<size_t>(),
        scrape["latency_ms"]["p50"].get<double>(), scrape["latency_ms"]["p99"].get<double>(),
        scrape["latency_ms"]["max"].get<double>());
  }
  if (report["errors"].empty()) {
    std::printf("  errors: none\n");
  }
  for (const auto& [code, count] : report["errors"].items()) {
    std::printf("  error %s: %llu\n", code.c_str(), count.get<unsigned long long>());
  }
}

void AddOptions(CLI::App& app, Options& options) {
  app.add_option("--target", options.target, "Agency API address host:port")->capture_default_str();
  app.add_option("--senders", options.senders, "Sending threads")->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--receivers", options.receivers, "Receiving threads")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--duration", options.duration_seconds, "Seconds measured, after the warm-up")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--warmup", options.warmup_seconds, "Seconds of load before measuring")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--payload-bytes", options.payload_bytes, "Size of each request's XML payload")
      ->check(CLI::Range(1, 64 << 20))
      ->capture_default_str();
  app.add_option("--rate", options.rate, "Total messages per second over all senders; 0 = as fast as possible")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--batch", options.batch, "max_messages of each Receive")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--from", options.from, "Requesting organisation code")->capture_default_str();
  app.add_option("--to", options.to, "Addressee organisation code")->capture_default_str();
  app.add_option("--channels", options.channels, "Connections shared by the senders")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  auto* tls = app.add_option_group("TLS", "Mutual TLS instead of the insecure loopback mode");
  auto* ca = tls->add_option("--ca", options.ca_file, "PEM: CA of the gateway's server certificate");
  auto* cert = tls->add_option("--cert", options.sender_cert, "PEM: client certificate of the --from organisation");
  auto* key = tls->add_option("--key", options.sender_key, "PEM: its key");
  auto* receiver_cert =
      tls->add_option("--receiver-cert", options.receiver_cert, "PEM: client certificate of the --to organisation");
  auto* receiver_key = tls->add_option("--receiver-key", options.receiver_key, "PEM: its key");
  tls->add_option("--tls-server-name", options.tls_server_name, "Name to check in the server certificate");
  for (CLI::Option* option : {cert, key, receiver_cert, receiver_key}) {
    ca->needs(option);
    option->needs(ca);
  }
  app.add_option("--soap", options.soap,
                 "host:port of the SOAP API: send and receive through it instead of gRPC (insecure loopback; one "
                 "message per GetRequest, --batch of them per Ack)");
  app.add_option("--scrape", options.scrape,
                 "http://host:port/metrics of the operators' listener: read it every --scrape-interval seconds for "
                 "the whole run, as Prometheus would, and report the scrapes");
  app.add_option("--scrape-interval", options.scrape_interval_seconds, "Seconds between scrapes of --scrape")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  app.add_flag("--json", options.json, "Print one JSON object instead of the summary");
}

// Opens count channels of one identity, each on its own connection.
StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> OpenChannels(const Options& options, int count,
                                                                   const std::optional<ctl::TlsFiles>& tls) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    ctl::ChannelOptions channel_options;
    channel_options.address = options.target;
    channel_options.tls = tls;
    channel_options.separate_connection = true;
    channel_options.max_message_bytes = -1;  // a Receive batch of large payloads may pass 4 MiB
    StatusOr<std::shared_ptr<grpc::Channel>> channel = ctl::MakeChannel(channel_options);
    MEZHVED_RETURN_IF_ERROR(channel.status());
    channels.push_back(*channel);
  }
  return channels;
}

// Connects every channel, failing fast when a connection attempt fails (refused, TLS handshake) instead of
// letting gRPC retry until the timeout.
bool AllConnect(const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
  auto deadline = std::chrono::system_clock::now() + kConnectTimeout;
  return std::all_of(channels.begin(), channels.end(), [&](const auto& channel) {
    grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
    while (state != GRPC_CHANNEL_READY) {
      if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || !channel->WaitForStateChange(state, deadline)) {
        return false;
      }
      state = channel->GetState(/*try_to_connect=*/true);
    }
    return true;
  });
}

int Run(int argc, char** argv) {
  CLI::App app("mezhved_bench: load a running mezhved gateway through its agency API", "mezhved_bench");
  Options options;
  AddOptions(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
  if (options.senders + options.receivers == 0) {
    std::cerr << "error: nothing to do with --senders 0 and --receivers 0\n";
    return kExitUsage;
  }
  const bool soap = !options.soap.empty();
  auto senders =
      OpenChannels(options, soap ? 0 : options.channels, TlsFor(options, options.sender_cert, options.sender_key));
  auto receivers =
      OpenChannels(options, soap ? 0 : options.receivers, TlsFor(options, options.receiver_cert, options.receiver_key));
  if (!senders.ok() || !receivers.ok()) {
    std::cerr << "error: " << (senders.ok() ? receivers : senders).status().message() << "\n";
    return kExitUsage;
  }
  if (!AllConnect(*senders) || !AllConnect(*receivers)) {
    std::cerr << "error: cannot connect to " << options.target << "\n";
    return kExitCannotConnect;
  }
  Bench bench(options, std::move(*senders), std::move(*receivers));
  ThreadStats stats = bench.Run();
  nlohmann::json report = Report(options, bench, stats);
  if (options.json) {
    std::cout << report.dump() << "\n";
  } else {
    PrintHuman(report);
  }
  bool nothing_through = options.senders > 0 && options.receivers > 0 && stats.end_to_end == 0;
  return stats.errors.empty() && !nothing_through ? kExitOk : kExitFailures;
}

}  // namespace
}  // namespace mezhved::bench

int main(int argc, char** argv) {
  try {
    return mezhved::bench::Run(argc, argv);
  } catch (const std::exception& error) {  // a bug or out of memory: say so rather than abort
    std::cerr << "mezhved_bench: " << error.what() << "\n";
    return mezhved::bench::kExitFailures;
  }
}
