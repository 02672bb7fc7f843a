// mezhvedctl: the operator's command line for a running gateway. It speaks only the OperatorConsole gRPC API
// (never the store), prints tables or, with --json, the responses as protobuf JSON.
// Exit status: 0 done, 1 the gateway reported an error (or a message was not requeued), 2 usage (or a --output file
// that cannot be written), 3 no connection.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/console/password.h"
#include "common/clock.h"
#include "mezhved/v1/operator.grpc.pb.h"
#include "store/rocksdb_store.h"
#include "tools/mezhvedctl/format.h"
#include "tools/mezhvedctl/grpc_client.h"

namespace mezhved::ctl {
namespace {

enum ExitCode : int { kExitOk = 0, kExitServerError = 1, kExitUsage = 2, kExitCannotConnect = 3 };

using google::protobuf::Timestamp;

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

struct WatchOptions {
  double interval_seconds = 2;
  bool once = false;
};

// Set by SIGINT or SIGTERM while `watch` runs: it stops after the frame it is on.
volatile std::sig_atomic_t stop_watching = 0;
extern "C" void StopWatching(int /*signal*/) { stop_watching = 1; }

// The terminal's settings while a password is typed with the echo off, restored on Ctrl-C too.
termios terminal_before_password{};
extern "C" void RestoreEchoAndExit(int /*signal*/) {
  tcsetattr(STDIN_FILENO, TCSANOW, &terminal_before_password);
  constexpr char kNewline[] = "\n";
  [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, kNewline, 1);
  _exit(130);
}

// The width of the terminal on stdout, read again for each frame so that a resized window is filled; 0 if unknown.
size_t TerminalColumns() {
  winsize size{};
  return ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
}

// One line of stdin without its line end; nullopt at the end of input. On a terminal it prompts on stderr and turns
// the echo off while the line is typed.
std::optional<std::string> ReadSecretLine(bool terminal, const char* prompt) {
  if (terminal) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &terminal_before_password);
    termios quiet = terminal_before_password;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    std::signal(SIGINT, RestoreEchoAndExit);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool read = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &terminal_before_password);
    std::signal(SIGINT, SIG_DFL);
    std::cerr << "\n";
  }
  if (!read) {
    return std::nullopt;
  }
  if (line.ends_with('\r')) {
    line.pop_back();
  }
  return line;
}

// `mezhvedctl hash-password`: no daemon needed. On a terminal the password is typed twice without echo; otherwise
// stdin's first line is the password (for scripts: `printf '%s\n' "$PASSWORD" | mezhvedctl hash-password`).
int HashPasswordCommand() {
  const bool terminal = isatty(STDIN_FILENO) == 1;
  std::optional<std::string> password = ReadSecretLine(terminal, "Password: ");
  if (!password || password->empty()) {
    std::cerr << "error: no password given (an empty one is refused)\n";
    return kExitUsage;
  }
  if (terminal) {
    std::optional<std::string> again = ReadSecretLine(terminal, "The same again: ");
    if (!again || *again != *password) {
      std::cerr << "error: the two passwords differ; nothing was hashed\n";
      return kExitUsage;
    }
  }
  StatusOr<std::string> hash = adapters::console::HashPassword(*password);
  if (!hash.ok()) {
    std::cerr << "error: " << hash.status().message() << "\n";
    return kExitServerError;
  }
  std::cout << *hash << "\n";
  return kExitOk;
}

// `mezhvedctl restore`: no daemon, which must be stopped (the store refuses while a process holds it open). The
// backup is checked, the data directory's earlier contents are moved beside it, and the backup is copied in.
int RestoreCommand(const std::string& backup, const std::string& data_dir) {
  StatusOr<store::RestoreOutcome> restored = store::RestoreBackup(backup, data_dir);
  if (!restored.ok()) {
    std::cerr << "error: " << ErrorCodeName(restored.status().code()) << ": " << restored.status().message() << "\n";
    return restored.status().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitServerError;
  }
  std::cout << "restored " << backup << " (store format " << restored->backup.format_version << ", "
            << restored->backup.files << " files, " << restored->backup.bytes << " bytes) into " << data_dir << "\n";
  if (!restored->previous_data_moved_to.empty()) {
    std::cout << "what was there before is kept in " << restored->previous_data_moved_to << "\n";
  }
  std::cout << "start the daemon; then `mezhvedctl scrub` checks every restored seal\n";
  return kExitOk;
}

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
  // Filters, as typed (checked when parsed: see AddListFilters).
  std::string state;
  std::string information_type_id;
  std::string accepted_from;
  std::string accepted_to;
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
    if (!list.state.empty()) {
      request.set_state(ParseMessageState(list.state).value_or(v1::MESSAGE_STATE_UNSPECIFIED));
    }
    request.set_information_type_id(list.information_type_id);
    if (!list.accepted_from.empty()) {
      *request.mutable_accepted_from() = ParseTimeBound(list.accepted_from, false).value_or(Timestamp());
    }
    if (!list.accepted_to.empty()) {
      *request.mutable_accepted_to() = ParseTimeBound(list.accepted_to, true).value_or(Timestamp());
    }
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

  // A message as the console shows it: masked (ViewMessage), or with `reveal` unmasked (RevealMessage, which the
  // gateway records in the message's history and the audit log).
  int Show(const std::string& message_id, bool reveal) {
    v1::GetMessageRequest request;
    request.set_message_id(message_id);
    v1::MessageView view;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status =
        reveal ? stub_->RevealMessage(&context, request, &view) : stub_->ViewMessage(&context, request, &view);
    if (!status.ok()) {
      return Fail(status, context);
    }
    if (reveal) {
      std::cerr << "notice: this reveal of the personal data of message " << message_id
                << " is recorded in its history and in the audit log, with your name and the time\n";
    }
    Print(view, FormatMessageView(view, SystemClock().NowMs()));
    return kExitOk;
  }

  // The overview, redrawn every interval until Ctrl-C: in place on a terminal (ANSI), one frame after another when
  // stdout is a pipe or a file, one frame only with --once (no ANSI codes either way off a terminal).
  int Watch(const WatchOptions& watch) {
    const bool terminal = !watch.once && isatty(STDOUT_FILENO) == 1;
    if (!watch.once) {
      std::signal(SIGINT, StopWatching);
      std::signal(SIGTERM, StopWatching);
    }
    const auto interval = std::chrono::duration<double>(watch.interval_seconds);
    for (bool first = true; stop_watching == 0; first = false) {
      v1::ListQueuesResponse queues;
      grpc::ClientContext context;
      Prepare(context);
      grpc::Status status = stub_->ListQueues(&context, v1::ListQueuesRequest(), &queues);
      const UnixMillis now = SystemClock().NowMs();
      const std::string at = FormatTimestamp(google::protobuf::util::TimeUtil::MillisecondsToTimestamp(now));
      std::string frame;
      if (status.ok()) {
        frame = options_.json
                    ? ToJson(queues)
                    : "Overview at " + at + "\n" +
                          FormatOverview(queues, now, /*highlight=*/terminal, terminal ? TerminalColumns() : 0);
      } else {
        const RpcError error = DecodeRpcError(status, context.GetServerTrailingMetadata());
        // A gateway that restarts or stops for a while is waited for; a refusal (identity, role) ends the watch.
        const bool passing =
            error.grpc_code == grpc::StatusCode::UNAVAILABLE || error.grpc_code == grpc::StatusCode::DEADLINE_EXCEEDED;
        if (watch.once || !passing) {
          return Fail(status, context);
        }
        frame = "Overview at " + at + ": no answer from " + options_.server + " (" + error.detail.code() + ": " +
                error.detail.message() + "); trying again\n";
      }
      if (terminal) {
        // Home, the frame with each line's old tail cleared, then whatever the last frame left below it.
        std::string drawn = first ? "\x1b[2J\x1b[H" : "\x1b[H";
        for (size_t start = 0; start < frame.size();) {
          const size_t end = frame.find('\n', start);
          drawn += frame.substr(start, end - start) + "\x1b[K\n";
          start = end == std::string::npos ? frame.size() : end + 1;
        }
        std::cout << drawn << "Every " << watch.interval_seconds << " s; Ctrl-C to stop.\x1b[K\n\x1b[J" << std::flush;
      } else {
        std::cout << (first ? "" : "\n") << frame << std::flush;
      }
      if (watch.once) {
        return kExitOk;
      }
      const auto until = std::chrono::steady_clock::now() + interval;
      while (stop_watching == 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    return kExitOk;
  }

  // The audit log, newest first, a page or (--all) every page.
  int Audit(const PageOptions& pages) {
    v1::ListAuditRequest request;
    request.set_page_size(pages.limit);
    request.set_page_token(pages.page_token);
    v1::AuditPage all;
    do {
      v1::AuditPage page;
      grpc::ClientContext context;
      Prepare(context);
      grpc::Status status = stub_->ListAudit(&context, request, &page);
      if (!status.ok()) {
        return Fail(status, context);
      }
      all.mutable_entries()->MergeFrom(page.entries());
      all.set_next_page_token(page.next_page_token());
      request.set_page_token(page.next_page_token());
    } while (pages.all_pages && !all.next_page_token().empty());
    Print(all, FormatAudit(all));
    return kExitOk;
  }

  int WhoAmI() {
    v1::ConsoleSession session;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->GetSession(&context, v1::GetSessionRequest(), &session);
    if (!status.ok()) {
      return Fail(status, context);
    }
    Print(session, FormatSession(session));
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

  // A backup taken by the daemon, into a new directory under its store.backup_dir.
  int Backup(const std::string& directory) {
    v1::BackupRequest request;
    request.set_directory(directory);
    v1::BackupResponse response;
    grpc::ClientContext context;
    Prepare(context);
    grpc::Status status = stub_->Backup(&context, request, &response);
    if (!status.ok()) {
      return Fail(status, context);
    }
    Print(response, FormatBackup(response));
    return kExitOk;
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
    if (error.from_gateway && error.detail.code() == "PERMISSION_DENIED") {
      std::cerr << "  (`mezhvedctl whoami` shows what your role allows)\n";
    }
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

// The filters of `list`, checked as they are parsed (a value that does not parse is a usage error, exit 2).
void AddListFilters(CLI::App& list_command, ListOptions& list) {
  const CLI::Validator state_name(
      [](std::string& text) { return ParseMessageState(text) ? std::string() : "not a message state: " + text; },
      "STATE");
  const CLI::Validator time_bound(
      [](std::string& text) {
        return ParseTimeBound(text, false) ? std::string() : "not a date YYYY-MM-DD or an RFC 3339 instant: " + text;
      },
      "DATE|INSTANT");
  list_command.add_option("--state", list.state, "Only messages in this state: accepted (ready), delivered (leased)")
      ->check(state_name);
  list_command.add_option("--type", list.information_type_id, "Only messages of this information type id");
  list_command
      .add_option("--from", list.accepted_from,
                  "Only messages accepted at or after this: a local date YYYY-MM-DD (from its start, in this "
                  "machine's time zone) or an RFC 3339 instant (2026-03-10T09:00:00+03:00)")
      ->check(time_bound);
  list_command
      .add_option("--to", list.accepted_to,
                  "Only messages accepted before this: a local date YYYY-MM-DD (that day included) or an RFC 3339 "
                  "instant (excluded)")
      ->check(time_bound);
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
  AddListFilters(*list_command, list);

  std::string message_id;
  bool reveal = false;
  CLI::App* show = app.add_subcommand(
      "show", "One message as the console shows it: state, links, history, seal, deadline, envelope (masked)");
  show->add_option("message_id", message_id, "Message id")->required();
  show->add_flag("--reveal", reveal,
                 "Show the citizen's personal data unmasked (a role that may; recorded in the message's history and "
                 "the audit log)");

  WatchOptions watch_options;
  CLI::App* watch = app.add_subcommand(
      "watch", "The overview, live: per agency and organisation the queues, dead letters and deadlines, and totals");
  watch->add_option("--interval", watch_options.interval_seconds, "Seconds between refreshes")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  watch->add_flag("--once", watch_options.once, "Print one frame, without terminal codes, and exit");

  PageOptions audit_pages;
  CLI::App* audit = app.add_subcommand("audit", "The operators' actions, newest first (auditors)");
  audit->add_option("--page-size", audit_pages.limit, "Entries per page (the gateway's default is 50, at most 1000)")
      ->check(CLI::Range(1, 1000));
  audit->add_option("--page-token", audit_pages.page_token, "Continue from a previous page");
  audit->add_flag("--all", audit_pages.all_pages, "Follow the page tokens to the end of the log");

  CLI::App* whoami = app.add_subcommand("whoami", "Who the gateway takes you for, your role and what it allows");

  CLI::App* hash_password = app.add_subcommand(
      "hash-password",
      "Read a password (typed twice on a terminal, else stdin's first line) and print its Argon2id hash for "
      "operators.password_hash; needs no gateway");

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

  std::string backup_directory;
  CLI::App* backup = app.add_subcommand(
      "backup", "Have the gateway take a consistent backup of its store while it serves (administrators)");
  backup->add_option("directory", backup_directory,
                     "A new directory under the config's store.backup_dir (default: a name from the time)");

  std::string restore_backup;
  std::string restore_data_dir;
  CLI::App* restore = app.add_subcommand(
      "restore", "Copy a backup back into the store's data directory, with the daemon stopped; needs no gateway");
  restore->add_option("backup", restore_backup, "The backup's directory")->required();
  restore->add_option("--data-dir", restore_data_dir, "The config's store.data_dir")->required();

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

  if (*hash_password) {
    return HashPasswordCommand();
  }
  if (*restore) {
    return RestoreCommand(restore_backup, restore_data_dir);
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
    return console.Show(message_id, reveal);
  }
  if (*watch) {
    return console.Watch(watch_options);
  }
  if (*audit) {
    return console.Audit(audit_pages);
  }
  if (*whoami) {
    return console.WhoAmI();
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
  if (*backup) {
    return console.Backup(backup_directory);
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
