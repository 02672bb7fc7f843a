// Interagency agreements: the registry that decides whether a requester may ask an addressee for an information
// type under an authority (DOMAIN.md "Rules of the exchange": information may be requested only to exercise the
// requester's own powers, and who may ask whom for what is fixed by agreements — Altai 3.2, 3.5, 3.8; Kuzbass 4.2;
// Leningrad 5.3; Mintrud recommendations 16).
//
// Immutable after construction and safe to read from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "gateway/participants.h"
#include "mezhved/config/v1/config.pb.h"

namespace mezhved::gateway {

// A calendar day as a number that orders like the date: year * 10000 + month * 100 + day.
using DayNumber = int;

// "2026-11-24" -> 20261124; nullopt unless a valid calendar date in that exact form.
std::optional<DayNumber> ParseIsoDate(std::string_view text);
// The UTC calendar day of a moment.
DayNumber UtcDayOf(UnixMillis moment);

class AgreementRegistry {
 public:
  AgreementRegistry() = default;
  // From a validated config. `participants` resolves organisations to their agencies and parents.
  AgreementRegistry(const config::v1::GatewayConfig& config, ParticipantRegistry participants);

  // The agreement under which `requester` may ask `addressee` for `information_type` under `authority_code` on
  // `day`, or ACCESS_DENIED saying what is missing: no agreement between the parties for the type, none in force
  // that day, or the authority is not one the agreement lists.
  StatusOr<const config::v1::Agreement*> Authorize(std::string_view requester, std::string_view addressee,
                                                   std::string_view information_type, std::string_view authority_code,
                                                   DayNumber day) const;

  // The agreement with this id, or nullptr.
  const config::v1::Agreement* Find(std::string_view id) const;

  const std::vector<config::v1::Agreement>& agreements() const { return agreements_; }

 private:
  // Whether a party list names the organisation, its agency, or an organisation above it.
  bool Covers(const google::protobuf::RepeatedPtrField<std::string>& parties, std::string_view organisation) const;
  static bool InForce(const config::v1::Agreement& agreement, DayNumber day);

  std::vector<config::v1::Agreement> agreements_;
  ParticipantRegistry participants_;
};

}  // namespace mezhved::gateway
