// mezhvedctl: the operator's command line for a running gateway. It speaks only the OperatorConsole gRPC API
// (never the store), prints tables or, with --json, the responses as protobuf JSON.
// Exit status: 0 done, 1 the gateway reported an error (or a message was not requeued), 2 usage (or a --output file
// that cannot be written), 3 no connection.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "mezhved/v1/operator.grpc.pb.h"
#include "tools/mezhvedctl/format.h"
#include "tools/mezhvedctl/grpc_client.h"

namespace mezhved::ctl {
namespace {

enum ExitCode : int { kExitOk = 0, kExitServerError = 1, kExitUsage = 2, kExitCannotConnect = 3 };

struct GlobalOptions {
  std::string server = "127.0.0.1:7791";
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string tls_server_name;
  bool insecure = false;
  std::string operator_name = "duty";
  bool json = false;
  double timeout_seconds = 10;
};

struct PageOptions {
  uint32_t limit = 0;
  std::string page_token;
  bool all_pages = false;
};

struct ReportOptions {
  std::string period;
  std::string format = "table";
  std::string output_file;
};

struct ListOptions {
  std::string recipient_code;
  bool dead_letters = false;
  uint32_t limit = 0;
  bool newest_first = false;
  std::string page_token;
  bool all_pages = false;
};

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    json = "{}";  // cannot happen for the API's own messages
  }
  if (!json.ends_with('\n')) {
    json += '\n';
  }
  return json;
}

// One OperatorConsole connection; each method runs one subcommand and returns the process's exit status.
class Console {
 public:
  Console(const std::shared_ptr<grpc::Channel>& channel, GlobalOptions options)
      : stub_(v1::OperatorConsole::NewStub(channel)), options_(std::move(options)) {}

  int Queues() {
    v1::ListQueuesResponse response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->ListQueues(&context, v1::ListQueuesRequest(), &response);
    if (!status.ok()) {
      return Fail(status, context);
    }
    Print(response, FormatQueues(response, SystemClock().NowMs()));
    return kExitOk;
  }

  int List(const ListOptions& list) {
    v1::ListMessagesRequest request;
    request.set_recipient_code(list.recipient_code);
    request.set_view(list.dead_letters ? v1::QUEUE_VIEW_DEAD_LETTERS : v1::QUEUE_VIEW_PENDING);
    request.set_page_size(list.limit);
    request.set_newest_first(list.newest_first);
    request.set_page_token(list.page_token);
    v1::ListMessagesResponse all;
    do {
      v1::ListMessagesResponse page;
      grpc::ClientContext context;
      Prepare(context);
      grpc::Status status = stub_->ListMessages(&context, request, &page);
      if (!status.ok()) {
        return Fail(status, context);
      }
      all.mutable_messages()->MergeFrom(page.messages());
      all.set_next_page_token(page.next_page_token());
      request.set_page_token(page.next_page_token());
    } while (list.all_pages && !all.next_page_token().empty());
    Print(all, FormatMessageList(all, SystemClock().NowMs()));
    return kExitOk;
  }

  int Show(const std::string& message_id) {
    v1::GetMessageRequest request;
    request.set_message_id(message_id);
    v1::MessageStatus response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->GetMessage(&context, request, &response);
    if (!status.ok()) {
      return Fail(status, context);
    }
    Print(response, FormatMessageStatus(response, SystemClock().NowMs()));
    return kExitOk;
  }

  // Exit 1 unless the seal is valid.
  int VerifySeal(const std::string& message_id) {
    v1::VerifySealRequest request;
    request.set_message_id(message_id);
    v1::SealCheck check;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->VerifySeal(&context, request, &check);
    if (!status.ok()) {
      return Fail(status, context);
    }
    Print(check, FormatSealCheck(check));
    return check.verdict() == v1::SEAL_VERDICT_VALID ? kExitOk : kExitServerError;
  }

  // Every stored seal, page after page; exit 1 if any failed.
  int Scrub(uint32_t page_size) {
    v1::ScrubSealsRequest request;
    request.set_page_size(page_size);
    v1::ScrubSealsResponse total;
    do {
      v1::ScrubSealsResponse page;
      grpc::ClientContext context;
      Prepare(context);
      grpc::Status status = stub_->ScrubSeals(&context, request, &page);
      if (!status.ok()) {
        return Fail(status, context);
      }
      total.set_checked(total.checked() + page.checked());
      total.set_valid(total.valid() + page.valid());
      total.set_unsealed(total.unsealed() + page.unsealed());
      total.mutable_failures()->MergeFrom(page.failures());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    Print(total, FormatScrub(total));
    return total.failures().empty() ? kExitOk : kExitServerError;
  }

  int Overdue(const PageOptions& pages) {
    v1::ListOverdueRequest request;
    request.set_page_size(pages.limit);
    request.set_page_token(pages.page_token);
    v1::ListOverdueResponse all;
    do {
      v1::ListOverdueResponse page;
      grpc::ClientContext context;
      Prepare(context);
      grpc::Status status = stub_->ListOverdue(&context, request, &page);
      if (!status.ok()) {
        return Fail(status, context);
      }
      all.mutable_requests()->MergeFrom(page.requests());
      all.set_next_page_token(page.next_page_token());
      request.set_page_token(page.next_page_token());
    } while (pages.all_pages && !all.next_page_token().empty());
    Print(all, FormatOverdue(all));
    return kExitOk;
  }

  // The table is made here from the structured report; CSV and JSON are the gateway's own export, written as they
  // came so that the figures are exactly the gateway's.
  int Report(const ReportOptions& report) {
    v1::GetReportRequest request;
    request.set_period(report.period);
    if (report.format == "csv") {
      request.set_format(v1::REPORT_FORMAT_CSV);
    } else if (report.format == "json") {
      request.set_format(v1::REPORT_FORMAT_JSON);
    }
    v1::GetReportResponse response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->GetReport(&context, request, &response);
    if (!status.ok()) {
      return Fail(status, context);
    }
    const std::string text =
        request.format() == v1::REPORT_FORMAT_UNSPECIFIED ? FormatReport(response.report()) : response.exported();
    if (report.output_file.empty()) {
      Print(response, text);
      return kExitOk;
    }
    std::ofstream out(report.output_file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      std::cerr << "error: cannot write " << report.output_file << "\n";
      return kExitUsage;
    }
    if (options_.json) {
      std::cout << ToJson(response);
    }
    return kExitOk;
  }

  int Requeue(const std::vector<std::string>& message_ids) {
    v1::RequeueRequest request;
    for (const std::string& id : message_ids) {
      request.add_message_ids(id);
    }
    v1::RequeueResponse response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->Requeue(&context, request, &response);
    if (!status.ok()) {
      return Fail(status, context);
    }
    Print(response, FormatRequeueResults(response));
    // A script requeueing a batch must notice the ids that stayed where they were.
    for (const v1::RequeueResult& result : response.results()) {
      if (!result.requeued()) {
        return kExitServerError;
      }
    }
    return kExitOk;
  }

  int Agreements(const std::string& agreement_id) {
    v1::ListAgreementsRequest request;
    request.set_agreement_id(agreement_id);
    v1::ListAgreementsResponse response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->ListAgreements(&context, request, &response);
    if (!status.ok()) {
      return Fail(status, context);
    }
    Print(response, FormatAgreements(response));
    return kExitOk;
  }

  int Rejections(uint32_t limit, const std::string& page_token) {
    v1::ListRejectionsRequest request;
    request.set_page_size(limit);
    request.set_page_token(page_token);
    v1::ListRejectionsResponse response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->ListRejections(&context, request, &response);
    if (!status.ok()) {
      return Fail(status, context);
    }
    Print(response, FormatRejections(response));
    return kExitOk;
  }

 private:
  void Prepare(grpc::ClientContext& context) const {
    auto timeout = std::chrono::duration<double>(options_.timeout_seconds);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout));
    if (options_.insecure) {
      context.AddMetadata(kOperatorHeader, options_.operator_name);
    }
  }

  void Print(const google::protobuf::Message& response, const std::string& text) const {
    std::cout << (options_.json ? ToJson(response) : text);
  }

  int Fail(const grpc::Status& status, const grpc::ClientContext& context) const {
    RpcError error = DecodeRpcError(status, context.GetServerTrailingMetadata());
    if (options_.json) {
      std::cout << ToJson(error.detail);
    }
    if (error.CouldNotConnect()) {
      std::cerr << "error: cannot connect to " << options_.server << ": " << error.detail.message() << "\n";
      return kExitCannotConnect;
    }
    std::cerr << FormatRpcError(error);
    if (!error.from_gateway && error.grpc_code == grpc::StatusCode::UNIMPLEMENTED) {
      std::cerr << "  (" << options_.server << " does not serve the operator API: is it the agency API's address?)\n";
    }
    return kExitServerError;
  }

  std::unique_ptr<v1::OperatorConsole::Stub> stub_;
  GlobalOptions options_;
};

void AddGlobalOptions(CLI::App& app, GlobalOptions& options) {
  app.add_option("--server", options.server, "Operator API address host:port")
      ->envname("MEZHVED_SERVER")
      ->capture_default_str();
  auto* insecure = app.add_flag("--insecure", options.insecure,
                                "Plain text to a daemon whose operator API has insecure_loopback set");
  auto* tls_group = app.add_option_group("TLS", "Mutual TLS (required unless --insecure)");
  auto* ca = tls_group->add_option("--ca", options.ca_file, "PEM: CA of the gateway's server certificate");
  auto* cert = tls_group->add_option("--cert", options.cert_file, "PEM: the operator's client certificate");
  auto* key = tls_group->add_option("--key", options.key_file, "PEM: its private key");
  auto* server_name = tls_group->add_option("--tls-server-name", options.tls_server_name,
                                            "Name to check in the server certificate instead of the host");
  for (CLI::Option* tls_option : {ca, cert, key, server_name}) {
    tls_option->excludes(insecure);
  }
  app.add_option("--operator", options.operator_name, "Operator name sent with --insecure")
      ->needs(insecure)
      ->capture_default_str();
  app.add_flag("--json", options.json, "Print the response as protobuf JSON");
  app.add_option("--timeout", options.timeout_seconds, "Seconds to wait for each call")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const GlobalOptions& options) {
  ChannelOptions channel;
  channel.address = options.server;
  if (!options.insecure) {
    if (options.ca_file.empty() || options.cert_file.empty() || options.key_file.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "give --ca, --cert and --key for mutual TLS, or --insecure for a loopback daemon");
    }
    channel.tls = TlsFiles{options.ca_file, options.cert_file, options.key_file, options.tls_server_name};
  }
  return MakeChannel(channel);
}

int Run(int argc, char** argv) {
  CLI::App app("mezhvedctl: watch and mend the delivery queues of a mezhved gateway", "mezhvedctl");
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `mezhvedctl queues --json`
  GlobalOptions options;
  AddGlobalOptions(app, options);

  CLI::App* queues = app.add_subcommand("queues", "Queue depth per recipient organisation");

  ListOptions list;
  CLI::App* list_command = app.add_subcommand("list", "Messages waiting for a recipient, or its dead letters");
  list_command->add_option("recipient", list.recipient_code, "Recipient organisation code")->required();
  list_command->add_flag("--dead-letters", list.dead_letters, "List the dead letters instead of pending messages");
  list_command->add_option("--limit", list.limit, "Messages per page (the gateway's default is 50, at most 1000)")
      ->check(CLI::Range(1, 1000));
  list_command->add_flag("--newest-first", list.newest_first, "Newest messages first");
  list_command->add_option("--page-token", list.page_token, "Continue from a previous page");
  list_command->add_flag("--all", list.all_pages, "Follow the page tokens to the end of the queue");

  std::string message_id;
  CLI::App* show = app.add_subcommand("show", "One message's state, links and history");
  show->add_option("message_id", message_id, "Message id")->required();

  std::vector<std::string> requeue_ids;
  CLI::App* requeue =
      app.add_subcommand("requeue", "Put dead-lettered messages back into their queues (exit 1 if any stays)");
  requeue->add_option("message_ids", requeue_ids, "Message ids")->required();

  std::string agreement_id;
  CLI::App* agreements = app.add_subcommand(
      "agreements", "Interagency agreements applied: the latest version of each, or every version of one");
  agreements->add_option("agreement_id", agreement_id, "Show every version of this agreement");

  uint32_t rejections_limit = 50;
  std::string rejections_token;
  CLI::App* rejections =
      app.add_subcommand("rejections", "Messages refused at the door, newest first: who, when, which rule, fields");
  rejections->add_option("--limit", rejections_limit, "Page size (1..1000)")->capture_default_str();
  rejections->add_option("--page-token", rejections_token, "Continue after a previous page");

  PageOptions overdue_pages;
  CLI::App* overdue = app.add_subcommand(
      "overdue", "Requests past their answer deadline, the longest overdue first, naming the late party");
  overdue->add_option("--limit", overdue_pages.limit, "Requests per page (the gateway's default is 50, at most 1000)")
      ->check(CLI::Range(1, 1000));
  overdue->add_option("--page-token", overdue_pages.page_token, "Continue from a previous page");
  overdue->add_flag("--all", overdue_pages.all_pages, "Follow the page tokens to the end of the list");

  std::string sealed_message_id;
  CLI::App* message = app.add_subcommand("message", "One stored message");
  message->require_subcommand(1);
  CLI::App* verify = message->add_subcommand(
      "verify", "Re-verify a stored message's seal and that it covers the stored message (exit 1 unless valid)");
  verify->add_option("message_id", sealed_message_id, "Message id")->required();

  uint32_t scrub_page_size = 500;
  CLI::App* scrub =
      app.add_subcommand("scrub", "Re-verify the seal of every stored message, reporting failures (exit 1 if any)");
  scrub->add_option("--page-size", scrub_page_size, "Messages per call (1..1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  ReportOptions report_options;
  CLI::App* report = app.add_subcommand(
      "report", "Deadline compliance for a reporting period, per organisation, per agency and in total");
  report
      ->add_option("period", report_options.period,
                   "2026-Q1..2026-Q4, 2026-H1, 2026-H2, 2026, or 2026-01-01..2026-03-31 (local days, inclusive)")
      ->required();
  report
      ->add_option("--format", report_options.format,
                   "table (made from the report), or csv or json (the gateway's export, verbatim)")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  report->add_option("--output", report_options.output_file,
                     "Write the report to this file instead of stdout (with --json, stdout still gets the response)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int status = app.exit(error);
    return status == 0 ? kExitOk : kExitUsage;  // --help exits 0
  }

  StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) {
    std::cerr << "error: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  Console console(*channel, options);
  if (*queues) {
    return console.Queues();
  }
  if (*list_command) {
    return console.List(list);
  }
  if (*show) {
    return console.Show(message_id);
  }
  if (*agreements) {
    return console.Agreements(agreement_id);
  }
  if (*rejections) {
    return console.Rejections(rejections_limit, rejections_token);
  }
  if (*overdue) {
    return console.Overdue(overdue_pages);
  }
  if (*report) {
    return console.Report(report_options);
  }
  if (*verify) {
    return console.VerifySeal(sealed_message_id);
  }
  if (*scrub) {
    return console.Scrub(scrub_page_size);
  }
  return console.Requeue(requeue_ids);
}

}  // namespace
}  // namespace mezhved::ctl

int main(int argc, char** argv) {
  try {
    return mezhved::ctl::Run(argc, argv);
  } catch (const std::exception& error) {  // a bug or out of memory: say so rather than abort
    std::cerr << "mezhvedctl: " << error.what() << "\n";
    return mezhved::ctl::kExitServerError;
  }
}
