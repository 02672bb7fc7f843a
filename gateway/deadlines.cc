#include "gateway/deadlines.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <utility>

#include "common/message_id.h"
#include "common/wire_names.h"

namespace mezhved::gateway {
namespace {

using google::protobuf::util::TimeUtil;

constexpr uint32_t kAnswerWorkingDays = 5;     // Altai 3.6; Kuzbass 5.7
constexpr uint32_t kProgressWorkingDays = 10;  // Leningrad 3.4

bool IsFinalOutcome(v1::ResponseEnvelope::OutcomeCase outcome) {
  return outcome == v1::ResponseEnvelope::kData || outcome == v1::ResponseEnvelope::kRefusal ||
         outcome == v1::ResponseEnvelope::kCannotAnswer;
}

// "2026-11-27 00:00 (UTC+07:00)": an instant as the addressee reads it.
std::string LocalTimeText(UnixMillis at_ms, int utc_offset_minutes) {
  const calendar::Day day = calendar::LocalDay(at_ms, utc_offset_minutes);
  const int64_t minute_of_day = (at_ms - calendar::StartOfLocalDay(day, utc_offset_minutes)) / 60000;
  const int offset = std::abs(utc_offset_minutes);
  char text[64];
  std::snprintf(text, sizeof text, "%s %02d:%02d (UTC%c%02d:%02d)", calendar::FormatDay(day).c_str(),
                static_cast<int>(minute_of_day / 60), static_cast<int>(minute_of_day % 60),
                utc_offset_minutes < 0 ? '-' : '+', offset / 60, offset % 60);
  return text;
}

}  // namespace

DeadlineSettings DeadlineSettings::FromConfig(const config::v1::GatewayConfig& config) {
  DeadlineSettings settings;
  settings.due_soon_working_days = static_cast<int>(config.deadlines().due_soon_working_days());
  settings.scan_interval_ms = config.deadlines().scan_interval_ms();
  settings.max_notices_per_scan = config.deadlines().max_notices_per_scan();
  return settings;
}

AnswerDeadlines::AnswerDeadlines(Rules rules, DeadlineSettings settings)
    : rules_(std::move(rules)), settings_(settings) {}

uint32_t AnswerDeadlines::WorkingDaysFor(const config::v1::Agreement& agreement,
                                         const v1::InformationTypeRef& type) const {
  if (agreement.answer_deadline_working_days() != 0) {
    return agreement.answer_deadline_working_days();
  }
  const config::v1::InformationType* known = rules_.information_types->Find(type.id(), type.version());
  switch (known == nullptr ? config::v1::DEADLINE_CLASS_UNSPECIFIED : known->deadline_class()) {
    case config::v1::DEADLINE_CLASS_ANSWER:
      return kAnswerWorkingDays;
    case config::v1::DEADLINE_CLASS_PROGRESS:
      return kProgressWorkingDays;
    default:
      return 0;  // referrals and reports are acknowledged, not answered
  }
}

calendar::DeadlinePolicy AnswerDeadlines::PolicyFor(const std::string& addressee_code) const {
  calendar::DeadlinePolicy policy;
  if (const Agency* agency = rules_.participants->AgencyOf(addressee_code)) {
    policy.utc_offset_minutes = agency->utc_offset_minutes;
  }
  policy.receipt = rules_.receipt_policy;
  policy.working_day_end_minutes = rules_.working_day_end_minutes;
  return policy;
}

StatusOr<store::AnswerTimers> AnswerDeadlines::TimersFor(const std::string& addressee_code, UnixMillis received_ms,
                                                         uint32_t working_days) const {
  const calendar::DeadlinePolicy policy = PolicyFor(addressee_code);
  const calendar::ProductionCalendar& calendar = *rules_.calendar;
  const int days = static_cast<int>(working_days);
  StatusOr<UnixMillis> due = calendar::DueAt(calendar, received_ms, days, policy);
  MEZHVED_RETURN_IF_ERROR(due.status());
  store::AnswerTimers timers;
  timers.due_at_ms = *due;
  const int warn_from = days - settings_.due_soon_working_days + 1;  // the first of the last N working days
  if (warn_from > 1) {
    StatusOr<calendar::Day> warn_day = calendar::DueDay(calendar, received_ms, warn_from, policy);
    MEZHVED_RETURN_IF_ERROR(warn_day.status());
    timers.due_soon_at_ms = calendar::StartOfLocalDay(*warn_day, policy.utc_offset_minutes);
  }
  return timers;
}

StatusOr<std::optional<store::AnswerTimers>> AnswerDeadlines::CitizenCopyTimers(
    const v1::InformationTypeRef& type, v1::ResponseEnvelope::OutcomeCase outcome, const std::string& requester_code,
    UnixMillis received_ms) const {
  const config::v1::InformationType* known = rules_.information_types->Find(type.id(), type.version());
  if (known == nullptr || !known->citizen_copy_required() || !IsFinalOutcome(outcome)) {
    return std::optional<store::AnswerTimers>();
  }
  StatusOr<store::AnswerTimers> timers = TimersFor(requester_code, received_ms, kCitizenCopyWorkingDays);
  if (!timers.ok()) {
    return timers.status().Prefixed("the deadline for the citizen's copy of this answer cannot be counted");
  }
  return std::optional<store::AnswerTimers>(*timers);
}

store::ClockChange AnswerDeadlines::OnResponse(const std::string& agreement_id,
                                               v1::ResponseEnvelope::OutcomeCase outcome) const {
  if (IsFinalOutcome(outcome)) {
    return store::ClockChange::kStop;
  }
  const config::v1::Agreement* agreement = rules_.agreements->Find(agreement_id);
  if (agreement == nullptr) {
    return store::ClockChange::kKeep;  // withdrawn since: its leniency no longer applies
  }
  const bool stops = outcome == v1::ResponseEnvelope::kClarification ? agreement->clarification_stops_clock()
                     : outcome == v1::ResponseEnvelope::kInterim     ? agreement->interim_status_stops_clock()
                                                                     : false;
  return stops ? store::ClockChange::kStop : store::ClockChange::kKeep;
}

StatusOr<store::RequestChange> AnswerDeadlines::OnSupplement(const store::RequestView& request,
                                                             UnixMillis received_ms) const {
  store::RequestChange change;
  const config::v1::Agreement* agreement = rules_.agreements->Find(request.agreement_id);
  const bool stopped_by_clarification = request.deadline_status == v1::DEADLINE_STATUS_STOPPED &&
                                        agreement != nullptr && agreement->clarification_stops_clock();
  if (!stopped_by_clarification || request.request.answer_working_days() == 0) {
    return change;
  }
  StatusOr<store::AnswerTimers> timers =
      TimersFor(request.request.recipient_code(), received_ms, request.request.answer_working_days());
  if (!timers.ok()) {
    return timers.status().Prefixed("the new answer period after this supplement cannot be counted");
  }
  change.clock = store::ClockChange::kRestart;
  change.restarted = *timers;
  return change;
}

std::vector<v1::Message> AnswerDeadlines::Notices(const store::FiredTimer& timer, UnixMillis now_ms) const {
  std::vector<v1::Message> notices;
  if (timer.request.kind() == v1::MESSAGE_KIND_RESPONSE) {  // a citizen copy: only the requester must act
    notices.push_back(Notice(timer, timer.request.recipient_code(), now_ms));
    return notices;
  }
  notices.push_back(Notice(timer, timer.request.recipient_code(), now_ms));
  notices.push_back(Notice(timer, timer.request.sender_code(), now_ms));
  return notices;
}

v1::Message AnswerDeadlines::Notice(const store::FiredTimer& timer, const std::string& recipient,
                                    UnixMillis now_ms) const {
  const v1::Message& subject = timer.request;
  v1::Message message;
  message.set_message_id(MessageId::Generate(now_ms).ToString());
  message.set_kind(v1::MESSAGE_KIND_NOTICE);
  message.set_sender_code(wire::kGatewaySender);
  message.set_recipient_code(recipient);
  *message.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(now_ms);
  v1::DeadlineNotice& notice = *message.mutable_notice();
  notice.set_event(timer.event);
  *notice.mutable_information_type() = timer.information_type;
  *notice.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(timer.due_at_ms);
  if (subject.kind() == v1::MESSAGE_KIND_RESPONSE) {
    notice.set_kind(v1::DEADLINE_KIND_CITIZEN_COPY);
    notice.set_request_id(subject.response().request_id());
    notice.set_response_id(subject.message_id());
    notice.set_requester_code(subject.recipient_code());
    notice.set_addressee_code(subject.sender_code());
    *notice.mutable_received_at() = subject.accepted_at();
    notice.set_answer_working_days(kCitizenCopyWorkingDays);
    notice.set_text(CitizenCopyText(timer));
    return message;
  }
  notice.set_kind(v1::DEADLINE_KIND_ANSWER);
  notice.set_request_id(subject.message_id());
  notice.set_requester_code(subject.sender_code());
  notice.set_addressee_code(subject.recipient_code());
  notice.set_outgoing_number(subject.request().registration().outgoing_number());
  *notice.mutable_received_at() = subject.has_received_at() ? subject.received_at() : subject.accepted_at();
  notice.set_answer_working_days(subject.answer_working_days());
  notice.set_text(NoticeText(timer));
  return message;
}

std::string AnswerDeadlines::NoticeText(const store::FiredTimer& timer) const {
  const v1::Message& request = timer.request;
  const int offset = PolicyFor(request.recipient_code()).utc_offset_minutes;
  const std::string what = "Межведомственный запрос № " + request.request().registration().outgoing_number() + " (" +
                           request.request().information_type().id() + ", " + request.sender_code() + " → " +
                           request.recipient_code() + ", " + request.message_id() + ")";
  const std::string until = LocalTimeText(timer.due_at_ms, offset);
  if (timer.event == v1::DEADLINE_EVENT_DUE_SOON) {
    return what + ": срок ответа истекает; ответ должен поступить до " + until + ".";
  }
  return what + ": срок ответа истёк " + until + ", окончательный ответ не поступил.";
}

std::string AnswerDeadlines::CitizenCopyText(const store::FiredTimer& timer) const {
  const v1::Message& answer = timer.request;
  const int offset = PolicyFor(answer.recipient_code()).utc_offset_minutes;
  const std::string what = "Копия ответа " + answer.message_id() + " (" + answer.sender_code() + ") на запрос " +
                           answer.response().request_id() + " (" + timer.information_type.id() + ")";
  const std::string until = LocalTimeText(timer.due_at_ms, offset);
  if (timer.event == v1::DEADLINE_EVENT_DUE_SOON) {
    return what + " должна быть направлена гражданину до " + until + " (п. 4.13 Регламента).";
  }
  return what + " не направлена гражданину в срок, истёкший " + until + " (п. 4.13 Регламента).";
}

uint32_t AnswerDeadlines::WorkingDaysLate(const std::string& addressee_code, UnixMillis due_at_ms,
                                          UnixMillis now_ms) const {
  if (now_ms < due_at_ms) {
    return 0;
  }
  const int offset = PolicyFor(addressee_code).utc_offset_minutes;
  // The period ended at midnight starting the day after its last day: that last day is the one before due_at.
  const calendar::Day last_day = calendar::LocalDay(due_at_ms - 1, offset);
  StatusOr<int> late = calendar::WorkingDaysBetween(*rules_.calendar, last_day, calendar::LocalDay(now_ms, offset));
  return late.ok() ? static_cast<uint32_t>(*late) : 0;
}

}  // namespace mezhved::gateway
