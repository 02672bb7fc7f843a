// The supervisors' reports (DOMAIN.md "Control and evaluation"): deadline compliance per agency and organisation
// for a reporting period (quarterly: Leningrad 3.5; half-yearly: Kuzbass 7.1; yearly: Leningrad 6.2), computed
// from the stored history only, so that a report for a past period always gives the same figures.
//
// The rules:
// - A request belongs to the period when its addressee's local day of receipt (the receipt of a paper or fax
//   request, else its acceptance) is one of the period's days.
// - Its outcome is read "as of" the end of the period's last day in the addressee's zone, or now if that is
//   earlier: history events at or after that instant are ignored.
// - A final answer (ANSWERED, REFUSED, CANNOT_ANSWER) is on time when it came before the end of the answer period in
//   force at that moment (the first period, or the one a DEADLINE_EVENT_RESTARTED event began), else late. When the
//   agreement let an interim status or a clarification stop the clock, what counts is whether the clock stopped
//   before the period ended: the addressee answered in time, in the way the agreement allows.
// - An open request (no final answer as of the end) is overdue when its period in force had ended by then and its
//   clock was not stopped (a DEADLINE_EVENT_STOPPED event with no later restart).
// - Answer time: the working days of the production calendar in (day of receipt, day of the final answer], both
//   local days of the addressee (0 for an answer on the day of receipt). Median and p90 by the nearest-rank method
//   over the answers whose days are in loaded calendar years.
// - Requests with no answer due (referrals, reports) count only as referrals received when their information
//   type's deadline class is REFERRAL.
// - Social-support requests (information types with social_support set) count for their requester: requests sent,
//   and distinct citizens by RequestFacts::citizen_key.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "calendar/production_calendar.h"
#include "common/clock.h"
#include "common/status.h"
#include "gateway/information_types.h"
#include "gateway/participants.h"
#include "mezhved/v1/messages.pb.h"
#include "mezhved/v1/operator.pb.h"
#include "store/message_store.h"

namespace mezhved::gateway {

// A reporting period: whole local days, both inclusive.
struct ReportPeriod {
  std::string label;  // as parsed, e.g. "2026-Q1"
  calendar::Day first;
  calendar::Day last;
};

// "2026-Q1".."2026-Q4", "2026-H1", "2026-H2", "2026", or "2026-01-01..2026-03-31" (first <= last, at most 5 years).
// INVALID_ARGUMENT, with the field "period", otherwise.
StatusOr<ReportPeriod> ParseReportPeriod(std::string_view text);

// A digest that tells citizens apart without naming them: SHA-256 of the SNILS digits when there is a SNILS, else
// of the normalised full name and date of birth; 16 bytes.
std::string CitizenKey(const v1::Citizen& citizen);

// Builds one report: feed it every request the store has in [ScanFromMs(), ScanToMs()), then Finish.
class ComplianceReportBuilder {
 public:
  // Keeps references to the registries and the calendar: they must outlive the builder.
  ComplianceReportBuilder(const ParticipantRegistry& participants, const InformationTypeRegistry& information_types,
                          const calendar::ProductionCalendar& calendar, ReportPeriod period, UnixMillis now_ms);

  // The receipts that may fall in the period in some addressee's zone (UTC-12 .. UTC+14), for
  // MessageStore::VisitRequestsReceived; Add filters each by its addressee's own zone.
  UnixMillis ScanFromMs() const;
  UnixMillis ScanToMs() const;

  void Add(const store::RequestFacts& request);
  v1::ComplianceReport Finish() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// What a request adds to the reports' daily tallies (store::RequestTallier), by the same rules: the store keeps the
// sums as requests come and change, so that a report of a long period reads a few figures per organisation and day
// instead of every request's history. ComplianceReportFromTallies gives the same report as the builder.
class ReportTallier final : public store::RequestTallier {
 public:
  ReportTallier(ParticipantRegistry participants, std::shared_ptr<const InformationTypeRegistry> information_types);

  std::string Basis() const override;
  store::RequestTally Tally(const store::RequestFacts& request) const override;
  bool Affects(const v1::HistoryEvent& event) const override;

 private:
  ParticipantRegistry participants_;
  std::shared_ptr<const InformationTypeRegistry> information_types_;
};

// The days whose tallies a report reads (MessageStore::ReadTallies): its own days, as days since 1970-01-01.
struct TallyDays {
  int32_t first = 0;
  int32_t last = 0;
};
TallyDays TallyDaysOf(const ReportPeriod& period);

// The report of `period` as of now_ms from the tallies of TallyDaysOf(period), counted by a ReportTallier with the
// same registries: the builder's figures, as long as no recorded event is later than now_ms.
v1::ComplianceReport ComplianceReportFromTallies(const ParticipantRegistry& participants,
                                                 const calendar::ProductionCalendar& calendar,
                                                 const ReportPeriod& period, UnixMillis now_ms,
                                                 const store::TallyRange& tallies);

// The report as CSV (RFC 4180, UTF-8, a header line, one line per organisation, agency and the total) and as JSON
// (the ComplianceReport message in protobuf's JSON mapping), the same figures in both.
std::string ReportCsv(const v1::ComplianceReport& report);
std::string ReportJson(const v1::ComplianceReport& report);

}  // namespace mezhved::gateway
