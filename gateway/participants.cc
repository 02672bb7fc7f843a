#include "gateway/participants.h"

#include <algorithm>
#include <cctype>

namespace mezhved::gateway {
namespace {

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

// The value mapped to `key`, or nullptr; an empty key never matches (an absent certificate field).
const std::string* Lookup(const std::map<std::string, std::string, std::less<>>& map, std::string_view key) {
  if (key.empty()) {
    return nullptr;
  }
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

// Certificate values of one holder into the lookup maps. emplace keeps the first owner should a value repeat
// (ValidateConfig rejects that).
template <typename Holder>
void IndexCertificates(const Holder& holder, const std::string& owner,
                       std::map<std::string, std::string, std::less<>>* by_common_name,
                       std::map<std::string, std::string, std::less<>>* by_fingerprint) {
  for (const std::string& common_name : holder.certificate_common_names()) {
    if (!common_name.empty()) {
      by_common_name->emplace(common_name, owner);
    }
  }
  for (const std::string& fingerprint : holder.certificate_sha256()) {
    if (!fingerprint.empty()) {
      by_fingerprint->emplace(Lowercase(fingerprint), owner);
    }
  }
}

// The owner a certificate names: fingerprint first (it pins one certificate), then common name.
const std::string* MatchCertificate(std::string_view common_name, std::string_view sha256_hex,
                                    const std::map<std::string, std::string, std::less<>>& by_common_name,
                                    const std::map<std::string, std::string, std::less<>>& by_fingerprint) {
  if (const std::string* owner = Lookup(by_fingerprint, Lowercase(sha256_hex))) {
    return owner;
  }
  return Lookup(by_common_name, common_name);
}

}  // namespace

ParticipantRegistry::ParticipantRegistry() : snapshot_(std::make_shared<const Snapshot>()) {}

ParticipantRegistry ParticipantRegistry::FromConfig(const config::v1::GatewayConfig& config) {
  auto snapshot = std::make_shared<Snapshot>();
  for (const config::v1::Agency& agency_config : config.agencies()) {
    Agency agency{agency_config.code(),
                  agency_config.name(),
                  agency_config.kind(),
                  agency_config.parent_agency(),
                  {},
                  ParseUtcOffset(agency_config.utc_offset()).value_or(180)};
    for (const config::v1::Organisation& organisation : agency_config.organisations()) {
      agency.organisation_codes.push_back(organisation.code());
      snapshot->organisations.emplace(organisation.code(), Organisation{organisation.code(), organisation.name(),
                                                                        agency_config.code(), organisation.parent()});
      IndexCertificates(organisation, organisation.code(), &snapshot->organisation_by_common_name,
                        &snapshot->organisation_by_fingerprint);
    }
    snapshot->agencies.emplace(agency.code, std::move(agency));
  }
  for (const config::v1::Operator& operator_config : config.operators()) {
    const config::v1::OperatorRole role = operator_config.role() == config::v1::OPERATOR_ROLE_UNSPECIFIED
                                              ? config::v1::OPERATOR_ROLE_OPERATOR
                                              : operator_config.role();
    snapshot->operators.emplace(operator_config.name(), role);
    IndexCertificates(operator_config, operator_config.name(), &snapshot->operator_by_common_name,
                      &snapshot->operator_by_fingerprint);
  }
  return ParticipantRegistry(std::move(snapshot));
}

const Organisation* ParticipantRegistry::FindOrganisation(std::string_view code) const {
  auto it = snapshot_->organisations.find(code);
  return it == snapshot_->organisations.end() ? nullptr : &it->second;
}

const Agency* ParticipantRegistry::FindAgency(std::string_view code) const {
  auto it = snapshot_->agencies.find(code);
  return it == snapshot_->agencies.end() ? nullptr : &it->second;
}

const Agency* ParticipantRegistry::AgencyOf(std::string_view organisation_code) const {
  const Organisation* organisation = FindOrganisation(organisation_code);
  return organisation == nullptr ? nullptr : FindAgency(organisation->agency_code);
}

const Organisation* ParticipantRegistry::FindByCertificate(std::string_view common_name,
                                                           std::string_view sha256_hex) const {
  const std::string* code = MatchCertificate(common_name, sha256_hex, snapshot_->organisation_by_common_name,
                                             snapshot_->organisation_by_fingerprint);
  return code == nullptr ? nullptr : FindOrganisation(*code);
}

std::string ParticipantRegistry::FindOperatorByCertificate(std::string_view common_name,
                                                           std::string_view sha256_hex) const {
  const std::string* name =
      MatchCertificate(common_name, sha256_hex, snapshot_->operator_by_common_name, snapshot_->operator_by_fingerprint);
  return name == nullptr ? std::string() : *name;
}

bool ParticipantRegistry::IsOperator(std::string_view name) const {
  return !name.empty() && snapshot_->operators.contains(name);
}

std::optional<config::v1::OperatorRole> ParticipantRegistry::OperatorRoleOf(std::string_view name) const {
  const auto it = snapshot_->operators.find(name);
  if (it == snapshot_->operators.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<const Organisation*> ParticipantRegistry::Organisations() const {
  std::vector<const Organisation*> organisations;
  organisations.reserve(snapshot_->organisations.size());
  for (const auto& [code, organisation] : snapshot_->organisations) {
    organisations.push_back(&organisation);
  }
  return organisations;
}

std::vector<const Agency*> ParticipantRegistry::Agencies() const {
  std::vector<const Agency*> agencies;
  agencies.reserve(snapshot_->agencies.size());
  for (const auto& [code, agency] : snapshot_->agencies) {
    agencies.push_back(&agency);
  }
  return agencies;
}

std::string_view ParticipantRegistry::KindName(config::v1::AgencyKind kind) {
  using namespace config::v1;  // NOLINT(google-build-using-namespace): the enumerators read better unqualified
  switch (kind) {
    case AGENCY_KIND_UNSPECIFIED:
      return "unspecified";
    case AGENCY_KIND_SOCIAL_PROTECTION:
      return "social protection";
    case AGENCY_KIND_HEALTH:
      return "health";
    case AGENCY_KIND_EDUCATION:
      return "education";
    case AGENCY_KIND_LABOUR:
      return "labour and employment";
    case AGENCY_KIND_CIVIL_REGISTRY:
      return "civil registry (ZAGS)";
    case AGENCY_KIND_CULTURE:
      return "culture";
    case AGENCY_KIND_SPORT:
      return "sport";
    case AGENCY_KIND_YOUTH_POLICY:
      return "youth policy";
    case AGENCY_KIND_HOUSING:
      return "housing and utilities";
    case AGENCY_KIND_PROPERTY:
      return "property";
    case AGENCY_KIND_AGRICULTURE:
      return "agriculture";
    case AGENCY_KIND_CONSTRUCTION_TRANSPORT:
      return "construction and transport";
    case AGENCY_KIND_LAW_AND_ORDER:
      return "law and order";
    case AGENCY_KIND_FEDERAL_BODY:
      return "federal body";
    case AGENCY_KIND_EXTRABUDGETARY_FUND:
      return "extrabudgetary fund";
    case AGENCY_KIND_MEDICAL_SOCIAL_EXPERTISE:
      return "medical-social expertise";
    case AGENCY_KIND_LOCAL_GOVERNMENT:
      return "local government";
    case AGENCY_KIND_SERVICE_PROVIDER:
      return "service provider";
    case AGENCY_KIND_MFC:
      return "multifunctional centre (MFC)";
    case AGENCY_KIND_OTHER:
      return "other";
    // protoc's range sentinels; listed so that -Wswitch flags a kind added to config.proto and not named here.
    case AgencyKind_INT_MIN_SENTINEL_DO_NOT_USE_:
    case AgencyKind_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return "unknown";
}

std::optional<int> ParseUtcOffset(std::string_view text) {
  constexpr int kMoscow = 180;
  if (text.empty()) {
    return kMoscow;
  }
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    return std::nullopt;
  }
  const auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  const int hours = digit(1) * 10 + digit(2);
  const int minutes = digit(4) * 10 + digit(5);
  if (digit(1) < 0 || digit(2) < 0 || digit(4) < 0 || digit(5) < 0 || minutes >= 60) {
    return std::nullopt;
  }
  const int offset = (text[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
  if (offset < -12 * 60 || offset > 14 * 60) {
    return std::nullopt;
  }
  return offset;
}

}  // namespace mezhved::gateway
