// Answer deadlines of requests (DOMAIN.md "Rules of the exchange", deadlines): how long an addressee has, when the
// due-soon and overdue timers fire, what stops or restarts the clock, and the notices a fired timer sends. Counting
// itself (working days, receipt, time zones) is calendar/deadlines.h; keeping and firing the timers is the store's.
//
// The rules:
// - The period: the agreement's answer_deadline_working_days, else the information type's deadline class: 5 working
//   days for an answer (Altai 3.6; Kuzbass 5.7), 10 for a progress answer (Leningrad 3.4); none for referrals and
//   reports. It is counted from receipt in the addressee's local time (calendar/deadlines.h).
// - The due-soon notice goes out at local midnight starting the last `due_soon_working_days` working days of the
//   period; a period no longer than that gets none. The overdue notice goes out when the period ends.
// - Each notice goes once to the addressee and once to the requester, as a message of kind NOTICE from "gateway".
// - A final answer (data, refusal, cannot-answer) to a request of a type with citizen_copy_required (social-support
//   requests) starts a clock of its own on the answer: its recipient, the requester, forwards a copy to the citizen
//   within 5 working days of receipt (Altai 4.13), counted from the answer's acceptance in the requester's local
//   time; the requester's ConfirmCitizenCopy stops it. Its notices go to the requester only.
// - A final answer (data, refusal, cannot-answer) stops the clock. An interim status or a request for clarification
//   does not, unless the request's agreement says so (interim_status_stops_clock, clarification_stops_clock). When a
//   clarification stopped it, the requester's supplement starts a new period of the same length from its receipt:
//   the addressee then has the whole request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "calendar/deadlines.h"
#include "calendar/production_calendar.h"
#include "common/clock.h"
#include "common/status.h"
#include "gateway/agreements.h"
#include "gateway/information_types.h"
#include "gateway/participants.h"
#include "gateway/rules.h"
#include "mezhved/config/v1/config.pb.h"
#include "mezhved/v1/messages.pb.h"
#include "store/message_store.h"

namespace mezhved::gateway {

struct DeadlineSettings {
  int due_soon_working_days = 1;
  uint32_t scan_interval_ms = 1000;
  uint32_t max_notices_per_scan = 1000;

  static DeadlineSettings FromConfig(const config::v1::GatewayConfig& config);
};

class AnswerDeadlines {
 public:
  // Reads the registries, the calendar and the receipt policy of `rules`.
  AnswerDeadlines(Rules rules, DeadlineSettings settings);

  // Working days allowed to answer a request of `type` under `agreement`; 0 when no answer is due.
  uint32_t WorkingDaysFor(const config::v1::Agreement& agreement, const v1::InformationTypeRef& type) const;

  // The timers of a period of `working_days` (>= 1) beginning with a receipt at `received_ms` by `addressee_code`.
  // NO_CALENDAR when a day it needs is in a year not loaded.
  StatusOr<store::AnswerTimers> TimersFor(const std::string& addressee_code, UnixMillis received_ms,
                                          uint32_t working_days) const;

  // The clock of a final answer of `type` that its recipient, `requester_code`, must forward to the citizen; nullopt
  // when the type needs no copy or the outcome is not final.
  StatusOr<std::optional<store::AnswerTimers>> CitizenCopyTimers(const v1::InformationTypeRef& type,
                                                                 v1::ResponseEnvelope::OutcomeCase outcome,
                                                                 const std::string& requester_code,
                                                                 UnixMillis received_ms) const;

  // What a response with `outcome` does to the clock of a request accepted under `agreement_id`.
  store::ClockChange OnResponse(const std::string& agreement_id, v1::ResponseEnvelope::OutcomeCase outcome) const;

  // What the requester's supplement, received at `received_ms`, does to the clock: a new period when a
  // clarification stopped it under the request's agreement.
  StatusOr<store::RequestChange> OnSupplement(const store::RequestView& request, UnixMillis received_ms) const;

  // The notices a fired timer sends: to the addressee and to the requester, stamped at `now_ms`.
  std::vector<v1::Message> Notices(const store::FiredTimer& timer, UnixMillis now_ms) const;

  static constexpr uint32_t kCitizenCopyWorkingDays = 5;  // Altai 4.13

  // Working days of the addressee's calendar in (the day the period ended, today]: how late an overdue request is.
  uint32_t WorkingDaysLate(const std::string& addressee_code, UnixMillis due_at_ms, UnixMillis now_ms) const;

  const DeadlineSettings& settings() const { return settings_; }

 private:
  calendar::DeadlinePolicy PolicyFor(const std::string& addressee_code) const;
  v1::Message Notice(const store::FiredTimer& timer, const std::string& recipient, UnixMillis now_ms) const;
  std::string NoticeText(const store::FiredTimer& timer) const;
  std::string CitizenCopyText(const store::FiredTimer& timer) const;

  Rules rules_;
  DeadlineSettings settings_;
};

}  // namespace mezhved::gateway
