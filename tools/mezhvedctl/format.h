// What mezhvedctl prints: aligned tables, humanised durations, UTC timestamps and the texts of each subcommand.
// Pure functions of the responses and "now", so they are unit-tested without a server.
#pragma once

#include <cstdint>
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

// `mezhvedctl queues`: one row per recipient organisation.
std::string FormatQueues(const v1::ListQueuesResponse& response, UnixMillis now);
// `mezhvedctl list`: one row per message, then the next page token when there is one.
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
// `mezhvedctl report`: the period, then one row per organisation, per agency and the total, the figures exactly as
// the gateway computed them (median and p90 shown to a tenth, like its CSV export).
std::string FormatReport(const v1::ComplianceReport& report);
// An RPC failure: "error: CODE: message", then one line per failing field.
std::string FormatRpcError(const RpcError& error);

}  // namespace mezhved::ctl
