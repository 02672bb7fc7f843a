#include "adapters/console/api.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "adapters/http/error_status.h"
#include "common/log.h"

namespace mezhved::adapters::console {
namespace {

using google::protobuf::util::TimeUtil;

constexpr uint32_t kMaxPageSize = 200;

ApiAnswer Json(const google::protobuf::Message& message) {
  ApiAnswer answer;
  answer.body = ToJson(message);
  return answer;
}

uint32_t PageSizeOf(const ApiRequest& request) {
  const auto it = request.query.find("page_size");
  if (it == request.query.end()) {
    return 50;
  }
  const auto size = static_cast<uint32_t>(std::strtoul(it->second.c_str(), nullptr, 10));
  return std::clamp<uint32_t>(size, 1, kMaxPageSize);
}

std::string QueryValue(const ApiRequest& request, const std::string& name) {
  const auto it = request.query.find(name);
  return it == request.query.end() ? std::string() : it->second;
}

// A local calendar day "YYYY-MM-DD" as the instant its day starts in the gateway's time zone (the date inputs of
// the queue page), or its end when `end_of_day`.
StatusOr<UnixMillis> DayBoundary(const std::string& field, const std::string& day, bool end_of_day) {
  std::tm parts{};
  if (day.size() != 10 || strptime(day.c_str(), "%Y-%m-%d", &parts) == nullptr) {
    return Status(ErrorCode::kInvalidArgument, field + ": a date YYYY-MM-DD");
  }
  parts.tm_isdst = -1;
  const time_t start = mktime(&parts);
  return static_cast<UnixMillis>(start) * 1000 + (end_of_day ? 24LL * 3600 * 1000 : 0);
}

Status NeedPermission(const SignedIn& who, Permission permission) {
  if (who.Allows(permission)) {
    return Status::Ok();
  }
  return {ErrorCode::kPermissionDenied, "the role " + std::string(NameOf(who.role)) + " of " + who.operator_name +
                                            " does not allow '" + std::string(NameOf(permission)) + "'"};
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  return status.ok() ? json : "{}";
}

ApiAnswer ErrorAnswer(const Status& status) {
  v1::ErrorDetail detail;  // the gRPC API's error shape, so the stable codes read the same everywhere
  detail.set_code(std::string(ErrorCodeName(status.code())));
  detail.set_message(status.message());
  for (const FieldError& field : status.fields()) {
    v1::FieldViolation* violation = detail.add_violations();
    violation->set_field(field.path);
    violation->set_code(field.code);
    violation->set_description(field.description);
  }
  ApiAnswer answer;
  answer.status = http::HttpStatusFor(status.code());
  answer.body = ToJson(detail);
  return answer;
}

ConsoleApi::ConsoleApi(gateway::Gateway& gateway, const config::v1::GatewayConfig& config, const RateHistory& rates,
                       const Readiness& readiness)
    : gateway_(gateway), config_(config), rates_(rates), readiness_(readiness) {}

void ConsoleApi::Handle(const ApiRequest& request, ApiRespond respond) {
  const std::string& path = request.path;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  constexpr std::string_view kQueues = "/api/v1/queues/";
  constexpr std::string_view kMessages = "/api/v1/messages/";
  constexpr std::string_view kReveal = "/reveal";

  // Which permission each route needs, then the route itself.
  const auto answer = [&](Permission permission, const std::function<ApiAnswer()>& route) {
    const Status allowed = NeedPermission(request.who, permission);
    respond(allowed.ok() ? route() : ErrorAnswer(allowed));
  };
  if (get && path == "/api/v1/overview") {
    return answer(Permission::kView, [&] { return Overview(); });
  }
  if (get && path.starts_with(kQueues) && path.ends_with("/messages")) {
    const std::string organisation =
        path.substr(kQueues.size(), path.size() - kQueues.size() - std::string_view("/messages").size());
    return answer(Permission::kView, [&] { return QueueMessages(organisation, request); });
  }
  if (post && path.starts_with(kMessages) && path.ends_with(kReveal)) {
    const std::string id = path.substr(kMessages.size(), path.size() - kMessages.size() - kReveal.size());
    if (Status allowed = NeedPermission(request.who, Permission::kReveal); !allowed.ok()) {
      return respond(ErrorAnswer(allowed));
    }
    return Reveal(id, request, std::move(respond));
  }
  if (get && path.starts_with(kMessages)) {
    return answer(Permission::kView, [&] { return Message(path.substr(kMessages.size())); });
  }
  if (post && path == "/api/v1/requeue") {
    if (Status allowed = NeedPermission(request.who, Permission::kRequeue); !allowed.ok()) {
      return respond(ErrorAnswer(allowed));
    }
    return Requeue(request, std::move(respond));
  }
  if (get && path == "/api/v1/rejections") {
    return answer(Permission::kView, [&] { return Rejections(request); });
  }
  if (get && path == "/api/v1/overdue") {
    return answer(Permission::kView, [&] { return Overdue(request); });
  }
  if (get && (path == "/api/v1/report" || path == "/api/v1/report.csv" || path == "/api/v1/report.json")) {
    const std::string format = path.ends_with(".csv") ? "csv" : path.ends_with(".json") ? "json" : "";
    return answer(Permission::kReports, [&] { return Report(request, format); });
  }
  if (get && path == "/api/v1/audit") {
    return answer(Permission::kAudit, [&] { return AuditLog(request); });
  }
  if (get && path == "/api/v1/agreements") {
    return answer(Permission::kView, [&] { return Agreements(request); });
  }
  if (get && path == "/api/v1/participants") {
    // The registry as configured (certificate names and fingerprints included) is the administrator's
    // (docs/CONSOLE.md: "administer": participants, agreements, calendars); queue pages name organisations from
    // the overview.
    return answer(Permission::kAdminister, [&] { return Participants(); });
  }
  respond(ErrorAnswer(Status(ErrorCode::kNotFound, request.method + " " + path + " is not part of the console API")));
}

void ConsoleApi::Audit(const SignedIn& who, const std::string& client, const std::string& action,
                       const std::string& target, const std::string& detail, std::function<void(const Status&)> kept) {
  v1::AuditEntry entry;
  *entry.mutable_at() = TimeUtil::MillisecondsToTimestamp(gateway_.clock().NowMs());
  entry.set_operator_(who.operator_name);
  entry.set_role(who.role);
  entry.set_action(action);
  entry.set_target(target);
  entry.set_detail(detail);
  entry.set_client(client);
  gateway_.RecordOperatorAction(std::move(entry), [action, kept = std::move(kept)](const StatusOr<bool>& recorded) {
    if (!recorded.ok()) {
      log::Error("console", "audit.not_recorded")
          .Code(recorded.status().code())
          .Msg("an operator's action ({}) could not be recorded: {}", action, recorded.status().message());
    }
    if (kept) {
      kept(recorded.status());
    }
  });
}

ApiAnswer ConsoleApi::Overview() const {
  v1::Overview overview;
  *overview.mutable_at() = TimeUtil::MillisecondsToTimestamp(gateway_.clock().NowMs());
  v1::ListQueuesResponse queues = gateway_.ListQueues();
  std::stable_sort(queues.mutable_queues()->begin(), queues.mutable_queues()->end(),
                   [](const v1::QueueSummary& a, const v1::QueueSummary& b) {
                     return std::tie(a.agency_code(), a.recipient_code()) <
                            std::tie(b.agency_code(), b.recipient_code());
                   });
  v1::QueueTotals& totals = *overview.mutable_totals();
  for (const v1::QueueSummary& queue : queues.queues()) {
    totals.set_pending(totals.pending() + queue.pending());
    totals.set_leased(totals.leased() + queue.leased());
    totals.set_dead_letters(totals.dead_letters() + queue.dead_letters());
    totals.set_due_soon(totals.due_soon() + queue.due_soon());
    totals.set_overdue(totals.overdue() + queue.overdue());
  }
  *overview.mutable_queues() = std::move(*queues.mutable_queues());
  overview.set_rate_interval_seconds(static_cast<uint32_t>(RateHistory::kIntervalMs / 1000));
  for (v1::RatePoint& point : rates_.Points()) {
    *overview.add_rates() = std::move(point);
  }
  const Status ready = readiness_.Check();
  overview.set_ready(ready.ok());
  overview.set_readiness(ready.ok() ? "ready" : ready.message());
  return Json(overview);
}

ApiAnswer ConsoleApi::QueueMessages(const std::string& organisation, const ApiRequest& request) const {
  v1::ListMessagesRequest call;
  call.set_recipient_code(organisation);
  const std::string view = QueryValue(request, "view");
  if (!view.empty() && view != "pending" && view != "dead_letters") {
    return ErrorAnswer(Status(ErrorCode::kInvalidArgument, "view: pending or dead_letters"));
  }
  call.set_view(view == "dead_letters" ? v1::QUEUE_VIEW_DEAD_LETTERS : v1::QUEUE_VIEW_PENDING);
  call.set_page_size(PageSizeOf(request));
  call.set_page_token(QueryValue(request, "page_token"));
  call.set_newest_first(QueryValue(request, "order") == "newest");
  if (const std::string state = QueryValue(request, "state"); !state.empty()) {
    v1::MessageState parsed;
    if (!v1::MessageState_Parse(state, &parsed)) {
      return ErrorAnswer(Status(ErrorCode::kInvalidArgument, "state: a MessageState name"));
    }
    call.set_state(parsed);
  }
  call.set_information_type_id(QueryValue(request, "type"));
  for (const auto& [field, end_of_day] : {std::pair{"from", false}, std::pair{"to", true}}) {
    const std::string day = QueryValue(request, field);
    if (day.empty()) {
      continue;
    }
    StatusOr<UnixMillis> at = DayBoundary(field, day, end_of_day);
    if (!at.ok()) {
      return ErrorAnswer(at.status());
    }
    *(end_of_day ? call.mutable_accepted_to() : call.mutable_accepted_from()) = TimeUtil::MillisecondsToTimestamp(*at);
  }
  StatusOr<v1::ListMessagesResponse> page = gateway_.ListMessages(call);
  return page.ok() ? Json(*page) : ErrorAnswer(page.status());
}

ApiAnswer ConsoleApi::Message(const std::string& id) const {
  StatusOr<v1::MessageView> view = gateway_.ViewMessage(id);
  return view.ok() ? Json(*view) : ErrorAnswer(view.status());
}

void ConsoleApi::Reveal(const std::string& id, const ApiRequest& request, ApiRespond respond) {
  gateway_.RevealMessage(request.who.operator_name, id,
                         [this, id, who = request.who, client = request.client,
                          respond = std::move(respond)](StatusOr<v1::MessageView> view) {
                           if (!view.ok()) {
                             return respond(ErrorAnswer(view.status()));
                           }
                           // Shown only once the audit log has it too: a reveal that cannot be recorded does
                           // not happen.
                           Audit(who, client, "reveal", id, "personal data shown",
                                 [view = std::move(*view), respond](const Status& kept) {
                                   respond(kept.ok() ? Json(view) : ErrorAnswer(kept));
                                 });
                         });
}

void ConsoleApi::Requeue(const ApiRequest& request, ApiRespond respond) {
  v1::RequeueRequest call;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(request.body, &call, options).ok() || call.message_ids().empty()) {
    return respond(ErrorAnswer(Status(ErrorCode::kInvalidArgument, "a JSON body {\"message_ids\": [...]}")));
  }
  gateway_.Requeue(request.who.operator_name, call,
                   [this, who = request.who, client = request.client,
                    respond = std::move(respond)](StatusOr<v1::RequeueResponse> requeued) {
                     if (!requeued.ok()) {
                       return respond(ErrorAnswer(requeued.status()));
                     }
                     for (const v1::RequeueResult& result : requeued->results()) {
                       if (result.requeued()) {
                         Audit(who, client, "requeue", result.message_id(), "dead letter put back into its queue");
                       }
                     }
                     respond(Json(*requeued));
                   });
}

ApiAnswer ConsoleApi::Rejections(const ApiRequest& request) const {
  v1::ListRejectionsRequest call;
  call.set_page_size(PageSizeOf(request));
  call.set_page_token(QueryValue(request, "page_token"));
  StatusOr<v1::ListRejectionsResponse> page = gateway_.ListRejections(call);
  return page.ok() ? Json(*page) : ErrorAnswer(page.status());
}

ApiAnswer ConsoleApi::Overdue(const ApiRequest& request) const {
  v1::ListOverdueRequest call;
  call.set_page_size(PageSizeOf(request));
  call.set_page_token(QueryValue(request, "page_token"));
  StatusOr<v1::ListOverdueResponse> page = gateway_.ListOverdue(call);
  return page.ok() ? Json(*page) : ErrorAnswer(page.status());
}

ApiAnswer ConsoleApi::Report(const ApiRequest& request, const std::string& format) const {
  v1::GetReportRequest call;
  call.set_period(QueryValue(request, "period"));
  call.set_format(format == "csv"    ? v1::REPORT_FORMAT_CSV
                  : format == "json" ? v1::REPORT_FORMAT_JSON
                                     : v1::REPORT_FORMAT_UNSPECIFIED);
  StatusOr<v1::GetReportResponse> report = gateway_.GetReport(call);
  if (!report.ok()) {
    return ErrorAnswer(report.status());
  }
  if (format.empty()) {
    return Json(*report);
  }
  // The same figures as `mezhvedctl report --format csv|json`, as a download.
  ApiAnswer answer;
  answer.content_type = format == "csv" ? "text/csv; charset=utf-8" : "application/json";
  answer.body = report->exported();
  std::string name = "mezhved-report-" + call.period() + "." + format;
  std::replace(name.begin(), name.end(), '.', '_');
  name.replace(name.rfind('_'), 1, ".");
  answer.headers["content-disposition"] = "attachment; filename=\"" + name + "\"";
  return answer;
}

ApiAnswer ConsoleApi::AuditLog(const ApiRequest& request) const {
  StatusOr<v1::AuditPage> page = gateway_.ListOperatorActions(PageSizeOf(request), QueryValue(request, "page_token"));
  return page.ok() ? Json(*page) : ErrorAnswer(page.status());
}

ApiAnswer ConsoleApi::Agreements(const ApiRequest& request) const {
  v1::ListAgreementsRequest call;
  call.set_agreement_id(QueryValue(request, "agreement_id"));
  StatusOr<v1::ListAgreementsResponse> agreements = gateway_.ListAgreements(call);
  return agreements.ok() ? Json(*agreements) : ErrorAnswer(agreements.status());
}

ApiAnswer ConsoleApi::Participants() const {
  v1::ParticipantsView view;
  for (const config::v1::Agency& agency : config_.agencies()) {
    *view.add_agencies() = agency;
  }
  return Json(view);
}

}  // namespace mezhved::adapters::console
