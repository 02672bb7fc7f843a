#include "gateway/agreements.h"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace mezhved::gateway {
namespace {

Status AccessDenied(std::string message, std::string path, std::string code, std::string description) {
  return {ErrorCode::kAccessDenied, std::move(message), {{std::move(path), std::move(code), std::move(description)}}};
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

std::optional<DayNumber> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  int parts[3] = {0, 0, 0};
  const std::string_view fields[3] = {text.substr(0, 4), text.substr(5, 2), text.substr(8, 2)};
  for (int i = 0; i < 3; ++i) {
    auto [end, error] = std::from_chars(fields[i].data(), fields[i].data() + fields[i].size(), parts[i]);
    if (error != std::errc() || end != fields[i].data() + fields[i].size()) {
      return std::nullopt;
    }
  }
  const auto [year, month, day] = parts;
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1] + (month == 2 && leap ? 1 : 0)) {
    return std::nullopt;
  }
  return year * 10000 + month * 100 + day;
}

DayNumber UtcDayOf(UnixMillis moment) {
  const auto seconds = static_cast<std::time_t>(moment / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return (utc.tm_year + 1900) * 10000 + (utc.tm_mon + 1) * 100 + utc.tm_mday;
}

AgreementRegistry::AgreementRegistry(const config::v1::GatewayConfig& config, ParticipantRegistry participants)
    : agreements_(config.agreements().begin(), config.agreements().end()), participants_(std::move(participants)) {}

bool AgreementRegistry::Covers(const google::protobuf::RepeatedPtrField<std::string>& parties,
                               std::string_view organisation) const {
  const Organisation* org = participants_.FindOrganisation(organisation);
  if (org == nullptr) {
    return false;
  }
  if (Contains(parties, org->agency_code)) {
    return true;
  }
  // The organisation itself or one above it: an agency acts through its subordinate organisations.
  for (const Organisation* at = org; at != nullptr; at = participants_.FindOrganisation(at->parent_code)) {
    if (Contains(parties, at->code)) {
      return true;
    }
    if (at->parent_code.empty()) {
      break;
    }
  }
  return false;
}

bool AgreementRegistry::InForce(const config::v1::Agreement& agreement, DayNumber day) {
  const std::optional<DayNumber> from = ParseIsoDate(agreement.valid_from());
  const std::optional<DayNumber> until = ParseIsoDate(agreement.valid_until());
  return from && *from <= day && (agreement.valid_until().empty() || (until && day <= *until));
}

StatusOr<const config::v1::Agreement*> AgreementRegistry::Authorize(std::string_view requester,
                                                                    std::string_view addressee,
                                                                    std::string_view information_type,
                                                                    std::string_view authority_code,
                                                                    DayNumber day) const {
  // The closest miss is reported, so that the integrator learns which part of the agreement is lacking.
  bool parties_and_type_agreed = false;
  bool agreed_in_force = false;
  for (const config::v1::Agreement& agreement : agreements_) {
    if (!Covers(agreement.requesters(), requester) || !Covers(agreement.addressees(), addressee) ||
        !Contains(agreement.information_types(), information_type)) {
      continue;
    }
    parties_and_type_agreed = true;
    if (!InForce(agreement, day)) {
      continue;
    }
    agreed_in_force = true;
    const bool authority_listed =
        std::any_of(agreement.authorities().begin(), agreement.authorities().end(),
                    [&](const config::v1::AgreedAuthority& agreed) { return agreed.code() == authority_code; });
    if (authority_listed) {
      return &agreement;
    }
  }
  const std::string parties = std::string(requester) + " -> " + std::string(addressee);
  if (!parties_and_type_agreed) {
    return AccessDenied(
        "no interagency agreement lets " + parties + " exchange '" + std::string(information_type) + "'",
        "request.information_type.id", "NO_AGREEMENT",
        "no agreement covers this requester, addressee and information type");
  }
  if (!agreed_in_force) {
    return AccessDenied(
        "the agreements for " + parties + " on '" + std::string(information_type) + "' are not in force on this date",
        "request.information_type.id", "AGREEMENT_NOT_IN_FORCE", "outside every agreement's dates");
  }
  return AccessDenied("authority '" + std::string(authority_code) + "' is not one the agreement for " + parties +
                          " lists: information is given only for the requester's agreed powers",
                      "request.authority.code", "AUTHORITY_NOT_AGREED", "not listed in the agreement");
}

const config::v1::Agreement* AgreementRegistry::Find(std::string_view id) const {
  const auto found = std::find_if(agreements_.begin(), agreements_.end(),
                                  [id](const auto& agreement) { return agreement.id() == id; });
  return found == agreements_.end() ? nullptr : &*found;
}

}  // namespace mezhved::gateway
