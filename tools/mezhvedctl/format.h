// What mezhvedctl prints: aligned tables, humanised durations, UTC timestamps and the texts of each subcommand; and
// the few arguments it must interpret (message states, dates and instants). Pure functions of the responses and
// "now" (and, for dates, the machine's time zone), so they are unit-tested without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "mezhved/v1/operator.pb.h"
#include "tools/mezhvedctl/grpc_client.h"

namespace mezhved::ctl {

// A plain-text table: a header row, a dashed rule, then the rows; columns are padded to their widest cell, counted
// in characters (UTF-8 code points, so Cyrillic names line up), and separated by two spaces.
class TextTable {
 public:
  enum class Align { kLeft, kRight };

  explicit TextTable(std::vector<std::string> headers);
  // Right-aligns a column of numbers.
  TextTable& AlignColumn(size_t column, Align align);
  // A short row is padded with empty cells; extra cells are ignored.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  std::string Render() const;

 private:
  std::vector<size_t> ColumnWidths() const;
  std::string RenderRow(const std::vector<std::string>& cells, const std::vector<size_t>& widths) const;

  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

// The number of characters (UTF-8 code points) in text.
size_t DisplayWidth(std::string_view text);

// "2026-11-24T10:15:30.123Z". An unset timestamp (zero) prints as "-".
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);
// A duration rounded down to two units at most: "0s", "45s", "3m 05s", "2h 07m", "3d 04h". Negative durations
// (clock skew between the operator's machine and the gateway) print as "0s".
std::string HumaniseDuration(int64_t millis);
// How long ago a timestamp was: HumaniseDuration(now - timestamp), or "-" when it is unset.
std::string FormatAge(const google::protobuf::Timestamp& timestamp, UnixMillis now);

// Enum values without their prefix: "DEAD_LETTERED", "REQUEST".
std::string StateName(v1::MessageState state);
std::string KindName(v1::MessageKind kind);
std::string DeadlineStatusName(v1::DeadlineStatus status);
std::string DeadlineEventName(v1::DeadlineEvent event);
std::string RefusalReasonName(v1::RefusalReason reason);
// "zags.civil-status-record 1.0", or "-" when the message has none.
std::string InformationTypeText(const v1::InformationTypeRef& type);
// "2026-03-31", or "-" when the date is unset.
std::string FormatDate(const v1::Date& date);

// A message state as the operator types it: its name without the prefix, in either case ("delivered",
// "DEAD_LETTERED"); nullopt for anything else, the unspecified state included.
std::optional<v1::MessageState> ParseMessageState(std::string_view text);
// A bound of `list --from/--to`: an RFC 3339 instant ("2026-03-10T09:00:00+03:00", "2026-03-10T06:00:00Z") as it is,
// or a date YYYY-MM-DD in the machine's local time zone (TZ): its first instant, or with `end_of_day` the first
// instant of the next day, so that a date given as the end of a range counts whole. nullopt for anything else.
std::optional<google::protobuf::Timestamp> ParseTimeBound(std::string_view text, bool end_of_day);

// `mezhvedctl queues`: one row per recipient organisation.
std::string FormatQueues(const v1::ListQueuesResponse& response, UnixMillis now);
// `mezhvedctl list`: one row per message, with its answer deadline and the deadline's status, then the next page
// token when there is one.
std::string FormatMessageList(const v1::ListMessagesResponse& response, UnixMillis now);
// `mezhvedctl show`: the message's fields (a request's answer deadline with its status; the request a notice is
// about), its links to requests/responses and its history timeline (with deadline events and refusal reasons).
std::string FormatMessageStatus(const v1::MessageStatus& status, UnixMillis now);
// `mezhvedctl requeue`: one line per id, with the reason when it was not requeued.
std::string FormatRequeueResults(const v1::RequeueResponse& response);
// One row per agreement version: id, version, since when, parties, types, authorities, or "withdrawn".
std::string FormatAgreements(const v1::ListAgreementsResponse& response);
// One block per refused message: when, who, the operation and the stable code, then each failing field.
std::string FormatRejections(const v1::ListRejectionsResponse& response);
// `mezhvedctl overdue`: one row per overdue request, naming the late party (the addressee), then the next page
// token when there is one.
std::string FormatOverdue(const v1::ListOverdueResponse& response);
// `mezhvedctl message verify`: the verdict on one stored seal, and who sealed it.
std::string FormatSealCheck(const v1::SealCheck& check);
// `mezhvedctl scrub`: the counts, then one line per failure.
std::string FormatScrub(const v1::ScrubSealsResponse& scrub);
std::string FormatBackup(const v1::BackupResponse& backup);
// `mezhvedctl report`: the period, then one row per organisation, per agency and the total, the figures exactly as
// the gateway computed them (median and p90 shown to a tenth, like its CSV export).
std::string FormatReport(const v1::ComplianceReport& report);
// An RPC failure: "error: CODE: message", then one line per failing field.
std::string FormatRpcError(const RpcError& error);
// An operator's role as mezhvedctl prints it: "operator", "supervisor", "auditor", "administrator", "loopback";
// "-" when unspecified (an audit entry of a failed sign-in).
std::string RoleName(config::v1::OperatorRole role);
// `mezhvedctl watch`: one frame of the overview, one row per organisation by agency, then the totals: pending,
// leased, the age of the oldest unacknowledged message, dead letters, due-soon and overdue requests, and why a row
// wants attention (overdue, dead letters). With `highlight` such rows are bold red (ANSI codes, for a terminal). A
// `max_width` (a terminal's columns; 0: none) shortens the organisations' names, with an ellipsis, to fit if it can.
std::string FormatOverview(const v1::ListQueuesResponse& response, UnixMillis now, bool highlight,
                           size_t max_width = 0);
// `mezhvedctl audit`: one row per entry as the gateway lists them (newest first), then the next page token.
std::string FormatAudit(const v1::AuditPage& page);
// `mezhvedctl show`: the message's status as FormatMessageStatus prints it, then its seal's verdict, who owes the
// answer and how late, and the envelope's fields (masked, or revealed) as "path: value" lines; payloads by size.
std::string FormatMessageView(const v1::MessageView& view, UnixMillis now);
// `mezhvedctl whoami`: the operator, its role and what the role allows.
std::string FormatSession(const v1::ConsoleSession& session);

}  // namespace mezhved::ctl
