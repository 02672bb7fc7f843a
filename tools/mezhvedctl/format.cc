#include "tools/mezhvedctl/format.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <tuple>
#include <utility>

namespace mezhved::ctl {
namespace {

constexpr char kNone[] = "-";

UnixMillis ToMillis(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() * 1000 + timestamp.nanos() / 1'000'000;
}

bool IsSet(const google::protobuf::Timestamp& timestamp) { return timestamp.seconds() != 0 || timestamp.nanos() != 0; }

std::string PadTo(std::string_view text, size_t width, TextTable::Align align) {
  size_t shown = DisplayWidth(text);
  std::string padding(width > shown ? width - shown : 0, ' ');
  return align == TextTable::Align::kRight ? padding + std::string(text) : std::string(text) + padding;
}

// "MESSAGE_STATE_ACCEPTED" -> "ACCEPTED"; a value this build does not know (a newer gateway) shows its number.
std::string WithoutPrefix(const std::string& name, std::string_view prefix, int value) {
  if (name.empty()) {
    return std::string(prefix) + std::to_string(value);
  }
  return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

// "in 55s" for a lease still running, "expired 3s ago" for one that ended.
std::string LeaseText(const google::protobuf::Timestamp& expires_at, UnixMillis now) {
  if (!IsSet(expires_at)) {
    return kNone;
  }
  int64_t remaining = ToMillis(expires_at) - now;
  std::string relative =
      remaining >= 0 ? "in " + HumaniseDuration(remaining) : "expired " + HumaniseDuration(-remaining) + " ago";
  return FormatTimestamp(expires_at) + " (" + relative + ")";
}

std::string JoinedOrNone(const google::protobuf::RepeatedPtrField<std::string>& values) {
  if (values.empty()) {
    return "none";
  }
  std::string joined;
  for (const std::string& value : values) {
    joined += (joined.empty() ? "" : ", ") + value;
  }
  return joined;
}

// The "field: value" block at the top of `show`.
std::string FieldBlock(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t label_width = 0;
  for (const auto& [label, value] : fields) {
    label_width = std::max(label_width, label.size());
  }
  std::string text;
  for (const auto& [label, value] : fields) {
    text += PadTo(label + ":", label_width + 3, TextTable::Align::kLeft);
    text += value;
    text += '\n';
  }
  return text;
}

// The deadline event and the refusal reason first ("deadline OVERDUE", "refusal NO_DATA"), then the note and the
// related message. A restart names the end of the new period: the top of `show` has the current one only.
std::string HistoryDetails(const v1::HistoryEvent& event) {
  std::string details;
  const auto append = [&details](const std::string& part) {
    if (!part.empty()) {
      details += (details.empty() ? "" : "; ") + part;
    }
  };
  if (event.deadline_event() != v1::DEADLINE_EVENT_UNSPECIFIED) {
    std::string deadline = "deadline " + DeadlineEventName(event.deadline_event());
    if (event.deadline_event() == v1::DEADLINE_EVENT_RESTARTED && IsSet(event.answer_due_at())) {
      deadline += ", due before " + FormatTimestamp(event.answer_due_at());
    }
    append(deadline);
  }
  if (event.refusal_reason() != v1::REFUSAL_REASON_UNSPECIFIED) {
    append("refusal " + RefusalReasonName(event.refusal_reason()));
  }
  append(event.note());
  if (!event.related_message_id().empty()) {
    append("message " + event.related_message_id());
  }
  return details;
}

// Working days to a tenth, as the gateway's CSV export writes them: "3", "2.5".
std::string Tenths(double value) {
  const long long tenths = std::llround(value * 10);
  const std::string whole = std::to_string(tenths / 10);
  return tenths % 10 == 0 ? whole : whole + "." + std::to_string(std::llabs(tenths % 10));
}

uint64_t RefusalsTotal(const v1::ComplianceRow& row) {
  uint64_t total = 0;
  for (const v1::RefusalCount& refusals : row.refusals()) {
    total += refusals.count();
  }
  return total;
}

// The figures of one report row, after its three naming cells. Median and p90 are "-" when no answer was timed
// (the gateway sends 0 then).
std::vector<std::string> ReportCells(std::string agency, std::string organisation, std::string name,
                                     const v1::ComplianceRow& row) {
  const bool timed = row.answers_timed() > 0;
  return {std::move(agency),
          std::move(organisation),
          std::move(name),
          std::to_string(row.requests_received()),
          std::to_string(row.answered_on_time()),
          std::to_string(row.answered_late()),
          std::to_string(row.open()),
          std::to_string(row.open_overdue()),
          std::to_string(RefusalsTotal(row)),
          timed ? Tenths(row.median_answer_working_days()) : kNone,
          timed ? Tenths(row.p90_answer_working_days()) : kNone,
          std::to_string(row.referrals_received()),
          std::to_string(row.social_support_requests_sent()),
          std::to_string(row.social_support_citizens())};
}

std::string OrNone(const std::string& text) { return text.empty() ? kNone : text; }

std::string HistoryTable(const google::protobuf::RepeatedPtrField<v1::HistoryEvent>& history) {
  if (history.empty()) {
    return "History: none\n";
  }
  TextTable table({"TIME (UTC)", "STATE", "ACTOR", "ATTEMPT", "DETAILS"});
  table.AlignColumn(3, TextTable::Align::kRight);
  for (const v1::HistoryEvent& event : history) {
    table.AddRow({FormatTimestamp(event.at()), StateName(event.state()), event.actor(),
                  event.attempt() == 0 ? "" : std::to_string(event.attempt()), HistoryDetails(event)});
  }
  return "History:\n" + table.Render();
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers)
    : headers_(std::move(headers)), aligns_(headers_.size(), Align::kLeft) {}

TextTable& TextTable::AlignColumn(size_t column, Align align) {
  if (column < aligns_.size()) {
    aligns_[column] = align;
  }
  return *this;
}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::vector<size_t> TextTable::ColumnWidths() const {
  std::vector<size_t> widths;
  for (const std::string& header : headers_) {
    widths.push_back(DisplayWidth(header));
  }
  for (const auto& row : rows_) {
    for (size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], DisplayWidth(row[column]));
    }
  }
  return widths;
}

std::string TextTable::RenderRow(const std::vector<std::string>& cells, const std::vector<size_t>& widths) const {
  std::string line;
  for (size_t column = 0; column < cells.size(); ++column) {
    if (column > 0) {
      line += "  ";
    }
    line += PadTo(cells[column], widths[column], aligns_[column]);
  }
  // The last column is usually left-aligned: its padding would only be trailing blanks.
  line.erase(line.find_last_not_of(' ') + 1);
  return line + "\n";
}

std::string TextTable::Render() const {
  std::vector<size_t> widths = ColumnWidths();
  std::vector<std::string> rules;
  rules.reserve(widths.size());
  for (size_t width : widths) {
    rules.emplace_back(width, '-');
  }
  std::string text = RenderRow(headers_, widths) + RenderRow(rules, widths);
  for (const auto& row : rows_) {
    text += RenderRow(row, widths);
  }
  return text;
}

size_t DisplayWidth(std::string_view text) {
  // Every UTF-8 code point has exactly one byte that is not a continuation byte (10xxxxxx).
  return std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (!IsSet(timestamp)) {
    return kNone;
  }
  std::time_t seconds = timestamp.seconds();
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) {
    return "?";
  }
  std::array<char, 32> date{};
  std::strftime(date.data(), date.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 8> millis{};
  std::snprintf(millis.data(), millis.size(), ".%03d", static_cast<int>(timestamp.nanos() / 1'000'000));
  return std::string(date.data()) + millis.data() + "Z";
}

std::string HumaniseDuration(int64_t millis) {
  int64_t seconds = std::max<int64_t>(millis, 0) / 1000;
  auto two_units = [](int64_t major, const char* major_unit, int64_t minor, const char* minor_unit) {
    std::array<char, 48> text{};
    std::snprintf(text.data(), text.size(), "%lld%s %02lld%s", static_cast<long long>(major), major_unit,
                  static_cast<long long>(minor), minor_unit);
    return std::string(text.data());
  };
  if (seconds < 60) {
    return std::to_string(seconds) + "s";
  }
  if (seconds < 3600) {
    return two_units(seconds / 60, "m", seconds % 60, "s");
  }
  if (seconds < 86400) {
    return two_units(seconds / 3600, "h", seconds % 3600 / 60, "m");
  }
  return two_units(seconds / 86400, "d", seconds % 86400 / 3600, "h");
}

std::string FormatAge(const google::protobuf::Timestamp& timestamp, UnixMillis now) {
  return IsSet(timestamp) ? HumaniseDuration(now - ToMillis(timestamp)) : kNone;
}

std::string StateName(v1::MessageState state) {
  return WithoutPrefix(v1::MessageState_Name(state), "MESSAGE_STATE_", state);
}

std::string KindName(v1::MessageKind kind) { return WithoutPrefix(v1::MessageKind_Name(kind), "MESSAGE_KIND_", kind); }

std::string DeadlineStatusName(v1::DeadlineStatus status) {
  return WithoutPrefix(v1::DeadlineStatus_Name(status), "DEADLINE_STATUS_", status);
}

std::string DeadlineEventName(v1::DeadlineEvent event) {
  return WithoutPrefix(v1::DeadlineEvent_Name(event), "DEADLINE_EVENT_", event);
}

std::string RefusalReasonName(v1::RefusalReason reason) {
  return WithoutPrefix(v1::RefusalReason_Name(reason), "REFUSAL_REASON_", reason);
}

std::string InformationTypeText(const v1::InformationTypeRef& type) {
  if (type.id().empty()) {
    return kNone;
  }
  return type.version().empty() ? type.id() : type.id() + " " + type.version();
}

std::string FormatDate(const v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) {
    return kNone;
  }
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%04d-%02d-%02d", date.year(), date.month(), date.day());
  return text.data();
}

std::optional<v1::MessageState> ParseMessageState(std::string_view text) {
  std::string name = "MESSAGE_STATE_";
  for (char c : text) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  v1::MessageState state = v1::MESSAGE_STATE_UNSPECIFIED;
  if (text.empty() || !v1::MessageState_Parse(name, &state) || state == v1::MESSAGE_STATE_UNSPECIFIED) {
    return std::nullopt;
  }
  return state;
}

std::optional<google::protobuf::Timestamp> ParseTimeBound(std::string_view text, bool end_of_day) {
  google::protobuf::Timestamp instant;
  if (text.find('T') != std::string_view::npos) {
    if (!google::protobuf::util::TimeUtil::FromString(std::string(text), &instant)) {
      return std::nullopt;
    }
    return instant;
  }
  // YYYY-MM-DD: digits and dashes where they belong, then a real day of the calendar.
  const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c == '-' || std::isdigit(c) != 0; });
  if (!shaped) {
    return std::nullopt;
  }
  const auto number = [text](size_t at, size_t length) {
    return std::atoi(std::string(text.substr(at, length)).c_str());
  };
  std::tm local{};
  local.tm_year = number(0, 4) - 1900;
  local.tm_mon = number(5, 2) - 1;
  local.tm_mday = number(8, 2);
  local.tm_isdst = -1;  // whatever the zone's rules say for that day
  const std::tm asked = local;
  if (std::mktime(&local) == -1 || local.tm_year != asked.tm_year || local.tm_mon != asked.tm_mon ||
      local.tm_mday != asked.tm_mday) {
    return std::nullopt;  // mktime moved it: no such day (2026-02-30)
  }
  if (end_of_day) {
    local = asked;
    local.tm_mday += 1;  // mktime carries it into the next month or year
  }
  const std::time_t seconds = std::mktime(&local);
  if (seconds == -1) {
    return std::nullopt;
  }
  instant.set_seconds(seconds);
  return instant;
}

std::string FormatQueues(const v1::ListQueuesResponse& response, UnixMillis now) {
  if (response.queues().empty()) {
    return "No queues.\n";
  }
  TextTable table({"RECIPIENT", "NAME", "PENDING", "LEASED", "DEAD LETTERS", "OLDEST PENDING"});
  for (size_t column : {2, 3, 4, 5}) {
    table.AlignColumn(column, TextTable::Align::kRight);
  }
  for (const v1::QueueSummary& queue : response.queues()) {
    table.AddRow({queue.recipient_code(), queue.recipient_name(), std::to_string(queue.pending()),
                  std::to_string(queue.leased()), std::to_string(queue.dead_letters()),
                  FormatAge(queue.oldest_pending_accepted_at(), now)});
  }
  return table.Render();
}

std::string FormatMessageList(const v1::ListMessagesResponse& response, UnixMillis now) {
  std::string text;
  if (!response.messages().empty()) {
    TextTable table({"MESSAGE ID", "KIND", "STATE", "SENDER", "INFORMATION TYPE", "ACCEPTED (UTC)", "AGE", "ATTEMPTS",
                     "ANSWER DUE (UTC)"});
    table.AlignColumn(6, TextTable::Align::kRight).AlignColumn(7, TextTable::Align::kRight);
    for (const v1::MessageSummary& message : response.messages()) {
      // "2026-03-17T21:00:00.000Z (RUNNING)", as `show` has it; "-" when no answer is due.
      std::string deadline = FormatTimestamp(message.answer_due_at());
      if (message.deadline_status() != v1::DEADLINE_STATUS_UNSPECIFIED) {
        deadline += " (" + DeadlineStatusName(message.deadline_status()) + ")";
      }
      table.AddRow({message.message_id(), KindName(message.kind()), StateName(message.state()), message.sender_code(),
                    InformationTypeText(message.information_type()), FormatTimestamp(message.accepted_at()),
                    FormatAge(message.accepted_at(), now), std::to_string(message.delivery_attempts()), deadline});
    }
    text = table.Render();
  }
  text += std::to_string(response.messages_size()) + (response.messages_size() == 1 ? " message" : " messages");
  if (response.next_page_token().empty()) {
    return text + "; last page.\n";
  }
  return text + "; next page token: " + response.next_page_token() + "\n";
}

std::string FormatMessageStatus(const v1::MessageStatus& status, UnixMillis now) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Message", status.message_id()},
      {"Kind", KindName(status.kind())},
      {"State", StateName(status.state())},
      {"Sender", status.sender_code()},
      {"Recipient", status.recipient_code()},
      {"Information type", InformationTypeText(status.information_type())},
      {"Accepted", FormatTimestamp(status.accepted_at()) + " (" + FormatAge(status.accepted_at(), now) + " ago)"},
      {"Delivery attempts", std::to_string(status.delivery_attempts())},
      {"Lease expires", LeaseText(status.lease_expires_at(), now)},
  };
  if (status.kind() == v1::MESSAGE_KIND_NOTICE) {
    // A deadline notice is about a request; it answers nothing and gets no responses.
    fields.emplace_back("About request", status.request_id().empty() ? kNone : status.request_id());
  } else {
    if (status.kind() == v1::MESSAGE_KIND_RESPONSE || !status.request_id().empty()) {
      fields.emplace_back("Answers request", status.request_id().empty() ? kNone : status.request_id());
    }
    if (status.kind() != v1::MESSAGE_KIND_RESPONSE) {
      fields.emplace_back("Responses", JoinedOrNone(status.response_ids()));
    }
  }
  const bool has_deadline_status = status.deadline_status() != v1::DEADLINE_STATUS_UNSPECIFIED;
  if (status.has_answer_due_at()) {
    fields.emplace_back("Answer due before",
                        FormatTimestamp(status.answer_due_at()) +
                            (has_deadline_status ? " (" + DeadlineStatusName(status.deadline_status()) + ")" : ""));
  } else if (has_deadline_status) {
    fields.emplace_back("Deadline", DeadlineStatusName(status.deadline_status()));
  }
  if (status.channel() != v1::CHANNEL_UNSPECIFIED) {
    fields.emplace_back("Channel", WithoutPrefix(v1::Channel_Name(status.channel()), "CHANNEL_", status.channel()) +
                                       ", received " + FormatTimestamp(status.received_at()));
  }
  return FieldBlock(fields) + "\n" + HistoryTable(status.history());
}

std::string FormatRequeueResults(const v1::RequeueResponse& response) {
  TextTable table({"MESSAGE ID", "OUTCOME"});
  for (const v1::RequeueResult& result : response.results()) {
    std::string reason = result.error_code().empty() ? "" : ": " + result.error_code();
    table.AddRow({result.message_id(), result.requeued() ? "requeued" : "not requeued" + reason});
  }
  return table.Render();
}

std::string FormatAgreements(const v1::ListAgreementsResponse& response) {
  const auto joined = [](const auto& values) {
    std::string text;
    for (const auto& value : values) {
      text += (text.empty() ? "" : ", ") + value;
    }
    return text;
  };
  TextTable table({"AGREEMENT", "VERSION", "RECORDED (UTC)", "REQUESTERS", "ADDRESSEES", "TYPES", "AUTHORITIES"});
  for (const v1::AgreementVersionView& view : response.agreements()) {
    const config::v1::Agreement& agreement = view.agreement();
    std::vector<std::string> authorities;
    for (const config::v1::AgreedAuthority& authority : agreement.authorities()) {
      authorities.push_back(authority.code());
    }
    if (view.withdrawn()) {
      table.AddRow({agreement.id(), std::to_string(view.version()), FormatTimestamp(view.recorded_at()), "withdrawn",
                    "", "", ""});
      continue;
    }
    table.AddRow({agreement.id(), std::to_string(view.version()), FormatTimestamp(view.recorded_at()),
                  joined(agreement.requesters()), joined(agreement.addressees()), joined(agreement.information_types()),
                  joined(authorities)});
  }
  return table.Render() + std::to_string(response.agreements_size()) + " agreement versions\n";
}

std::string FormatRejections(const v1::ListRejectionsResponse& response) {
  std::string text;
  for (const v1::Rejection& rejection : response.rejections()) {
    text += FormatTimestamp(rejection.at()) + "  " + rejection.organisation_code() + "  " + rejection.operation() +
            "  " + rejection.error_code();
    if (!rejection.information_type().id().empty()) {
      text += "  " + InformationTypeText(rejection.information_type());
    }
    text += "\n  " + rejection.message() + "\n";
    for (const v1::FieldViolation& violation : rejection.violations()) {
      text += "    " + violation.field() + " " + violation.code() + "\n";
    }
  }
  text += std::to_string(response.rejections_size()) + (response.rejections_size() == 1 ? " rejection" : " rejections");
  if (response.next_page_token().empty()) {
    return text + "; last page.\n";
  }
  return text + "; next page token: " + response.next_page_token() + "\n";
}

std::string FormatOverdue(const v1::ListOverdueResponse& response) {
  std::string text;
  if (!response.requests().empty()) {
    TextTable table({"MESSAGE ID", "LATE PARTY", "NAME", "AGENCY", "REQUESTER", "INFORMATION TYPE", "DUE BEFORE (UTC)",
                     "WORKING DAYS LATE"});
    table.AlignColumn(7, TextTable::Align::kRight);
    for (const v1::OverdueRequest& request : response.requests()) {
      table.AddRow({request.message_id(), request.addressee_code(), OrNone(request.addressee_name()),
                    OrNone(request.agency_code()), request.requester_code(),
                    InformationTypeText(request.information_type()), FormatTimestamp(request.answer_due_at()),
                    std::to_string(request.working_days_late())});
    }
    text = table.Render();
  }
  text += std::to_string(response.requests_size()) +
          (response.requests_size() == 1 ? " overdue request" : " overdue requests");
  if (response.next_page_token().empty()) {
    return text + "; last page.\n";
  }
  return text + "; next page token: " + response.next_page_token() + "\n";
}

std::string FormatReport(const v1::ComplianceReport& report) {
  std::string text = "Report " + report.period() + ": " + FormatDate(report.first_day()) + " .. " +
                     FormatDate(report.last_day()) + ", generated " + FormatTimestamp(report.generated_at()) +
                     (report.period_complete() ? "; the period is complete.\n"
                                               : "; the period is not over: the figures may still change.\n");
  TextTable table({"AGENCY", "ORGANISATION", "NAME", "RECEIVED", "ON TIME", "LATE", "OPEN", "OVERDUE", "REFUSALS",
                   "MEDIAN WD", "P90 WD", "REFERRALS", "SOCIAL SUPPORT SENT", "CITIZENS"});
  for (size_t column = 3; column < 14; ++column) {
    table.AlignColumn(column, TextTable::Align::kRight);
  }
  for (const v1::ComplianceRow& row : report.organisations()) {
    table.AddRow(ReportCells(OrNone(row.agency_code()), row.organisation_code(), OrNone(row.name()), row));
  }
  for (const v1::ComplianceRow& row : report.agencies()) {
    table.AddRow(ReportCells(row.agency_code(), "all", OrNone(row.name()), row));
  }
  table.AddRow(ReportCells("all", "all", "total", report.total()));
  return text + "\n" + table.Render() +
         "\nReceived: requests with an answer due; open: no final answer at the end of the period, overdue: of them "
         "past their answer period;\nrefusals: final refusals, all reasons; WD: working days from receipt to the "
         "final answer.\n";
}

std::string FormatRpcError(const RpcError& error) {
  std::string text = "error: " + error.detail.code();
  if (!error.detail.message().empty()) {
    text += ": " + error.detail.message();
  }
  text += "\n";
  for (const v1::FieldViolation& violation : error.detail.violations()) {
    text += "  " + violation.field() + " " + violation.code();
    if (!violation.description().empty()) {
      text += " (" + violation.description() + ")";
    }
    text += "\n";
  }
  return text;
}

std::string FormatSealCheck(const v1::SealCheck& check) {
  std::string verdict = v1::SealVerdict_Name(check.verdict());
  if (verdict.rfind("SEAL_VERDICT_", 0) == 0) {
    verdict = verdict.substr(std::string("SEAL_VERDICT_").size());
  }
  std::string text = check.message_id() + ": " + verdict;
  if (!check.error_code().empty()) {
    text += " (" + check.error_code() + ")";
  }
  text += "\n";
  if (!check.signer().empty()) {
    text += "  sealed with " + check.algorithm() + " by " + check.signer() + ", certificate SHA-256 " +
            check.certificate_sha256() + "\n";
  }
  if (!check.detail().empty()) {
    text += "  " + check.detail() + "\n";
  }
  return text;
}

std::string FormatBackup(const v1::BackupResponse& backup) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", backup.seconds());
  return "backup taken into " + backup.directory() + ": store format " + std::to_string(backup.format_version()) +
         ", " + std::to_string(backup.files()) + " files, " + std::to_string(backup.bytes()) + " bytes, in " + seconds +
         " s\n";
}

std::string FormatScrub(const v1::ScrubSealsResponse& scrub) {
  std::string text = std::to_string(scrub.checked()) + " messages checked: " + std::to_string(scrub.valid()) +
                     " seals valid, " + std::to_string(scrub.unsealed()) + " unsealed, " +
                     std::to_string(scrub.failures_size()) + " failed\n";
  for (const v1::SealCheck& failure : scrub.failures()) {
    text += FormatSealCheck(failure);
  }
  return text;
}

namespace {

// The overview's rows in the console's order: by agency, then organisation code.
std::vector<const v1::QueueSummary*> ByAgency(const v1::ListQueuesResponse& response) {
  std::vector<const v1::QueueSummary*> queues;
  queues.reserve(response.queues_size());
  for (const v1::QueueSummary& queue : response.queues()) {
    queues.push_back(&queue);
  }
  std::stable_sort(queues.begin(), queues.end(), [](const v1::QueueSummary* a, const v1::QueueSummary* b) {
    return std::tie(a->agency_code(), a->recipient_code()) < std::tie(b->agency_code(), b->recipient_code());
  });
  return queues;
}

// "overdue", "dead letters", both, or "-": why a row of the overview wants an operator's eye.
std::string Attention(uint64_t overdue, uint64_t dead_letters) {
  std::string why;
  if (overdue > 0) {
    why = "overdue";
  }
  if (dead_letters > 0) {
    why += (why.empty() ? "" : ", ") + std::string("dead letters");
  }
  return why.empty() ? kNone : why;
}

constexpr std::string_view kBoldRed = "\x1b[1;31m";
constexpr std::string_view kReset = "\x1b[0m";

// The fields of a message's envelope as "path: value" lines, recursively, in field-number order; what `show` prints
// in its own lines above (ids, kind, parties, acceptance, attempts) and the sealed form are left out, and payloads
// are named by their size.
void FlattenFields(const google::protobuf::Message& message, const std::string& prefix,
                   std::vector<std::pair<std::string, std::string>>* lines) {
  using google::protobuf::FieldDescriptor;
  static const std::array<std::string_view, 7> kShownAbove = {
      "message_id", "kind", "sender_code", "recipient_code", "accepted_at", "delivery_attempt", "sealed_xml"};
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (prefix.empty() && std::find(kShownAbove.begin(), kShownAbove.end(), field->name()) != kShownAbove.end()) {
      continue;
    }
    const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const std::string path =
          prefix + field->name() + (field->is_repeated() ? "[" + std::to_string(i) + "]" : std::string());
      const bool repeated = field->is_repeated();
      std::string value;
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          const google::protobuf::Message& child =
              repeated ? reflection->GetRepeatedMessage(message, field, i) : reflection->GetMessage(message, field);
          if (const auto* timestamp = dynamic_cast<const google::protobuf::Timestamp*>(&child)) {
            value = FormatTimestamp(*timestamp);
          } else if (const auto* date = dynamic_cast<const v1::Date*>(&child)) {
            value = FormatDate(*date);
          } else {
            FlattenFields(child, path + ".", lines);
            continue;
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string text =
              repeated ? reflection->GetRepeatedString(message, field, i) : reflection->GetString(message, field);
          if (field->name() == "payload" || field->type() == FieldDescriptor::TYPE_BYTES) {
            value = std::to_string(text.size()) + " bytes (--json shows them)";
          } else {
            value = text;
            std::replace(value.begin(), value.end(), '\n', ' ');
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_ENUM:
          value = repeated ? reflection->GetRepeatedEnum(message, field, i)->name()
                           : reflection->GetEnum(message, field)->name();
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          value = (repeated ? reflection->GetRepeatedBool(message, field, i) : reflection->GetBool(message, field))
                      ? "true"
                      : "false";
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          value = std::to_string(repeated ? reflection->GetRepeatedInt32(message, field, i)
                                          : reflection->GetInt32(message, field));
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          value = std::to_string(repeated ? reflection->GetRepeatedInt64(message, field, i)
                                          : reflection->GetInt64(message, field));
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          value = std::to_string(repeated ? reflection->GetRepeatedUInt32(message, field, i)
                                          : reflection->GetUInt32(message, field));
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          value = std::to_string(repeated ? reflection->GetRepeatedUInt64(message, field, i)
                                          : reflection->GetUInt64(message, field));
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
        case FieldDescriptor::CPPTYPE_FLOAT:
          value = std::to_string(repeated ? reflection->GetRepeatedDouble(message, field, i)
                                          : reflection->GetDouble(message, field));
          break;
      }
      lines->emplace_back(path, value);
    }
  }
}

std::string Counted(size_t count, std::string_view one, std::string_view many) {
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

// `text` cut to `width` characters (code points) at most, ending in an ellipsis when it was cut.
std::string Truncated(const std::string& text, size_t width) {
  if (DisplayWidth(text) <= width || width == 0) {
    return text;
  }
  size_t kept = 0;
  size_t end = 0;
  while (end < text.size()) {
    const bool starts_character = (static_cast<unsigned char>(text[end]) & 0xC0) != 0x80;
    if (starts_character && ++kept == width) {  // this character's place goes to the ellipsis
      break;
    }
    ++end;
  }
  std::string kept_text = text.substr(0, end);
  while (kept_text.ends_with(' ')) {
    kept_text.pop_back();
  }
  return kept_text + "…";
}

}  // namespace

std::string RoleName(config::v1::OperatorRole role) {
  if (role == config::v1::OPERATOR_ROLE_UNSPECIFIED) {
    return kNone;
  }
  std::string name = WithoutPrefix(config::v1::OperatorRole_Name(role), "OPERATOR_ROLE_", role);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

std::string FormatOverview(const v1::ListQueuesResponse& response, UnixMillis now, bool highlight, size_t max_width) {
  size_t name_width = 0;  // no limit
  if (max_width > 0) {
    // The names give way to a narrow terminal. The rule under the header is as wide as the table.
    constexpr size_t kShortestName = 16;  // as wide as the totals' "22 organisations"
    const std::string unlimited = FormatOverview(response, now, false, 0);
    const size_t header_end = unlimited.find('\n');
    const size_t rule_end = unlimited.find('\n', header_end + 1);
    const size_t table_width =
        DisplayWidth(std::string_view(unlimited).substr(header_end + 1, rule_end - header_end - 1));
    if (table_width > max_width) {
      size_t longest = 0;
      for (const v1::QueueSummary& queue : response.queues()) {
        longest = std::max(longest, DisplayWidth(queue.recipient_name()));
      }
      const size_t over = table_width - max_width;
      name_width = std::max(kShortestName, longest > over ? longest - over : 0);
    }
  }
  TextTable table({"AGENCY", "ORGANISATION", "NAME", "PENDING", "LEASED", "OLDEST UNACKED", "DEAD LETTERS", "DUE SOON",
                   "OVERDUE", "ATTENTION"});
  for (size_t column : {3, 4, 5, 6, 7, 8}) {
    table.AlignColumn(column, TextTable::Align::kRight);
  }
  v1::QueueSummary total;
  std::vector<bool> flagged;
  const std::vector<const v1::QueueSummary*> queues = ByAgency(response);
  for (const v1::QueueSummary* queue : queues) {
    table.AddRow({OrNone(queue->agency_code()), queue->recipient_code(),
                  Truncated(OrNone(queue->recipient_name()), name_width), std::to_string(queue->pending()),
                  std::to_string(queue->leased()), FormatAge(queue->oldest_pending_accepted_at(), now),
                  std::to_string(queue->dead_letters()), std::to_string(queue->due_soon()),
                  std::to_string(queue->overdue()), Attention(queue->overdue(), queue->dead_letters())});
    flagged.push_back(queue->overdue() > 0 || queue->dead_letters() > 0);
    total.set_pending(total.pending() + queue->pending());
    total.set_leased(total.leased() + queue->leased());
    total.set_dead_letters(total.dead_letters() + queue->dead_letters());
    total.set_due_soon(total.due_soon() + queue->due_soon());
    total.set_overdue(total.overdue() + queue->overdue());
    const google::protobuf::Timestamp& oldest = queue->oldest_pending_accepted_at();
    if (IsSet(oldest) &&
        (!total.has_oldest_pending_accepted_at() || ToMillis(oldest) < ToMillis(total.oldest_pending_accepted_at()))) {
      *total.mutable_oldest_pending_accepted_at() = oldest;
    }
  }
  table.AddRow({"total", kNone, Counted(queues.size(), "organisation", "organisations"),
                std::to_string(total.pending()), std::to_string(total.leased()),
                FormatAge(total.oldest_pending_accepted_at(), now), std::to_string(total.dead_letters()),
                std::to_string(total.due_soon()), std::to_string(total.overdue()),
                Attention(total.overdue(), total.dead_letters())});
  flagged.push_back(total.overdue() > 0 || total.dead_letters() > 0);

  std::string text;
  const std::string rendered = table.Render();
  size_t start = 0;
  for (size_t line = 0; start < rendered.size(); ++line) {
    const size_t end = rendered.find('\n', start);
    const std::string_view row(rendered.data() + start, (end == std::string::npos ? rendered.size() : end) - start);
    const bool bold = highlight && line >= 2 && flagged.at(line - 2);  // after the header and its rule
    text += bold ? std::string(kBoldRed) + std::string(row) + std::string(kReset) : std::string(row);
    text += '\n';
    start = end == std::string::npos ? rendered.size() : end + 1;
  }
  return text;
}

std::string FormatAudit(const v1::AuditPage& page) {
  std::string text;
  if (!page.entries().empty()) {
    TextTable table({"TIME (UTC)", "OPERATOR", "ROLE", "ACTION", "TARGET", "CLIENT", "DETAIL"});
    for (const v1::AuditEntry& entry : page.entries()) {
      table.AddRow({FormatTimestamp(entry.at()), OrNone(entry.operator_()), RoleName(entry.role()),
                    OrNone(entry.action()), OrNone(entry.target()), OrNone(entry.client()), OrNone(entry.detail())});
    }
    text = table.Render();
  }
  text += Counted(page.entries_size(), "entry", "entries");
  if (page.next_page_token().empty()) {
    return text + "; last page.\n";
  }
  return text + "; next page token: " + page.next_page_token() + "\n";
}

std::string FormatMessageView(const v1::MessageView& view, UnixMillis now) {
  std::string text = FormatMessageStatus(view.status(), now) + "\n";
  std::vector<std::pair<std::string, std::string>> fields;
  std::string seal = WithoutPrefix(v1::SealVerdict_Name(view.seal().verdict()), "SEAL_VERDICT_", view.seal().verdict());
  if (!view.seal().error_code().empty()) {
    seal += " (" + view.seal().error_code() + ")";
  }
  if (!view.seal().signer().empty()) {
    seal += ", " + view.seal().algorithm() + " by " + view.seal().signer();
  }
  fields.emplace_back("Seal", seal);
  if (!view.late_party_code().empty()) {
    std::string party = view.late_party_code();
    if (!view.late_party_name().empty()) {
      party += " (" + view.late_party_name() + ")";
    }
    party += view.working_days_late() == 0
                 ? ", not late"
                 : ", " + Counted(view.working_days_late(), "working day", "working days") + " late";
    fields.emplace_back("Owes the answer", party);
  }
  fields.emplace_back("Payload", std::to_string(view.payload_bytes()) + " bytes" +
                                     (view.masked() ? ", not shown" : " (--json shows it)"));
  text += FieldBlock(fields) + "\n";
  text += view.masked() ? "Envelope (personal data masked):\n" : "Envelope (personal data REVEALED):\n";
  std::vector<std::pair<std::string, std::string>> envelope;
  FlattenFields(view.message(), "", &envelope);
  if (envelope.empty()) {
    return text + "  " + kNone + "\n";
  }
  const std::string block = FieldBlock(envelope);
  size_t start = 0;
  while (start < block.size()) {
    const size_t end = block.find('\n', start);
    text += "  " + block.substr(start, end - start + 1);
    start = end + 1;
  }
  return text;
}

std::string FormatSession(const v1::ConsoleSession& session) {
  std::string permissions;
  for (const std::string& permission : session.permissions()) {
    permissions += (permissions.empty() ? "" : ", ") + permission;
  }
  return FieldBlock({{"Operator", session.operator_()},
                     {"Role", RoleName(session.role())},
                     {"May", permissions.empty() ? "nothing" : permissions},
                     {"Identified by", OrNone(session.authenticated_by())},
                     {"Gateway", OrNone(session.instance_name())}});
}

}  // namespace mezhved::ctl
