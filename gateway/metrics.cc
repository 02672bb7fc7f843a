#include "gateway/metrics.h"

#include <algorithm>
#include <set>

namespace mezhved::gateway {
namespace {

constexpr char kOther[] = "other";

// The kind label: the enum's names without their prefix, in enum order, "other" last.
std::vector<std::string> KindValues() { return {"unspecified", "request", "response", "supplement", "notice", kOther}; }

std::vector<std::string> TypeValues(const InformationTypeRegistry& types) {
  std::set<std::string> ids;
  for (const config::v1::InformationType& type : types.catalog().types()) {
    ids.insert(type.id());
  }
  std::vector<std::string> values(ids.begin(), ids.end());
  values.emplace_back(kOther);
  return values;
}

std::vector<std::string> AgencyValues(const ParticipantRegistry& participants) {
  std::vector<std::string> values;
  for (const Agency* agency : participants.Agencies()) {
    values.push_back(agency->code);
  }
  values.emplace_back(kOther);  // the gateway's own notices, and organisations no longer in the registry
  return values;
}

std::vector<std::string> ErrorCodeValues() {
  std::vector<std::string> values;
  for (int code = 0; code <= static_cast<int>(kLastErrorCode); ++code) {
    values.emplace_back(ErrorCodeName(static_cast<ErrorCode>(code)));
  }
  return values;
}

}  // namespace

GatewayMetrics::GatewayMetrics(metrics::Registry& registry, const ParticipantRegistry& participants,
                               const InformationTypeRegistry& types)
    : accepted_(registry.AddCounterGrid(
          "mezhved_messages_accepted_total", "Messages accepted and durably stored, by the sender's agency.",
          {{"kind", KindValues()}, {"information_type", TypeValues(types)}, {"agency", AgencyValues(participants)}})),
      delivered_(registry.AddCounterGrid(
          "mezhved_messages_delivered_total",
          "Deliveries (leases) of messages to their recipients, redeliveries included, by the recipient's agency.",
          {{"kind", KindValues()}, {"information_type", TypeValues(types)}, {"agency", AgencyValues(participants)}})),
      acknowledged_(registry.AddCounterGrid(
          "mezhved_messages_acknowledged_total",
          "Messages that left their recipient's queue as received (acknowledged, or a request answered while "
          "queued), by the recipient's agency.",
          {{"kind", KindValues()}, {"information_type", TypeValues(types)}, {"agency", AgencyValues(participants)}})),
      dead_lettered_(registry.AddCounterGrid(
          "mezhved_messages_dead_lettered_total",
          "Messages dead-lettered after their last allowed delivery, by the recipient's agency.",
          {{"kind", KindValues()}, {"information_type", TypeValues(types)}, {"agency", AgencyValues(participants)}})),
      refused_(registry.AddCounterGrid("mezhved_messages_refused_total",
                                       "Messages refused at the door, by stable error code and the sender's agency.",
                                       {{"code", ErrorCodeValues()},
                                        {"information_type", TypeValues(types)},
                                        {"agency", AgencyValues(participants)}})),
      signature_failures_(registry.AddCounterGrid(
          "mezhved_signature_failures_total",
          "Signatures that failed verification: payload (a sender's), caller (a calling system's), seal (a stored "
          "message's gateway seal).",
          {{"check", {"payload", "caller", "seal"}}})),
      validation_seconds_(registry.AddHistogram("mezhved_validation_duration_seconds",
                                                "Time to check a message at the door: fields, agreement, payload "
                                                "signature and XSD.",
                                                metrics::Histogram::LatencyBounds())),
      sealing_seconds_(registry.AddHistogram("mezhved_sealing_duration_seconds",
                                             "Time to seal an accepted message (XMLDSig).",
                                             metrics::Histogram::LatencyBounds())),
      store_write_seconds_(registry.AddHistogram(
          "mezhved_store_write_duration_seconds",
          "Time from handing a message to the store to its durable commit (group commit wait included).",
          metrics::Histogram::LatencyBounds())),
      send_to_receive_seconds_(
          registry.AddHistogram("mezhved_send_to_receive_duration_seconds",
                                "Time from a message's acceptance to its first delivery to the recipient.",
                                metrics::Histogram::AgeBounds())) {
  const std::vector<std::string> type_values = TypeValues(types);
  for (size_t i = 0; i + 1 < type_values.size(); ++i) {
    type_index_.emplace(type_values[i], i);
  }
  other_type_ = type_values.size() - 1;
  const std::vector<std::string> agency_values = AgencyValues(participants);
  other_agency_ = agency_values.size() - 1;
  for (const Organisation* organisation : participants.Organisations()) {
    const auto it = std::find(agency_values.begin(), agency_values.end() - 1, organisation->agency_code);
    agency_of_organisation_.emplace(organisation->code, static_cast<size_t>(it - agency_values.begin()));
  }
}

GatewayMetrics::Totals GatewayMetrics::totals() const {
  return Totals{accepted_.Sum(), delivered_.Sum(), acknowledged_.Sum(), refused_.Sum(), dead_lettered_.Sum()};
}

size_t GatewayMetrics::TypeIndex(std::string_view information_type_id) const {
  const auto it = type_index_.find(std::string(information_type_id));
  return it != type_index_.end() ? it->second : other_type_;
}

size_t GatewayMetrics::AgencyIndex(std::string_view organisation_code) const {
  const auto it = agency_of_organisation_.find(std::string(organisation_code));
  return it != agency_of_organisation_.end() ? it->second : other_agency_;
}

size_t GatewayMetrics::KindIndex(v1::MessageKind kind) {
  const int value = static_cast<int>(kind);
  return value >= 0 && value <= static_cast<int>(v1::MESSAGE_KIND_NOTICE) ? static_cast<size_t>(value)
                                                                          : KindValues().size() - 1;
}

void GatewayMetrics::Accepted(v1::MessageKind kind, std::string_view information_type_id,
                              std::string_view sender_code) {
  accepted_.At({KindIndex(kind), TypeIndex(information_type_id), AgencyIndex(sender_code)}).Add();
}

void GatewayMetrics::Refused(ErrorCode code, std::string_view information_type_id, std::string_view sender_code) {
  refused_.At({static_cast<size_t>(code), TypeIndex(information_type_id), AgencyIndex(sender_code)}).Add();
}

void GatewayMetrics::SignatureFailed(SignatureCheck check) {
  signature_failures_.At({static_cast<size_t>(check)}).Add();
}

void GatewayMetrics::OnCommitted(const std::vector<store::MessageFact>& facts) {
  for (const store::MessageFact& fact : facts) {
    const size_t kind = KindIndex(fact.kind);
    const size_t type = TypeIndex(fact.information_type_id);
    const size_t agency = AgencyIndex(fact.recipient_code);
    switch (fact.event) {
      case store::MessageFact::Event::kDelivered:
        delivered_.At({kind, type, agency}).Add();
        if (fact.attempt == 1) {
          send_to_receive_seconds_.Observe(static_cast<double>(std::max<int64_t>(0, fact.at_ms - fact.accepted_at_ms)) /
                                           1000.0);
        }
        break;
      case store::MessageFact::Event::kAcknowledged:
        acknowledged_.At({kind, type, agency}).Add();
        break;
      case store::MessageFact::Event::kDeadLettered:
        dead_lettered_.At({kind, type, agency}).Add();
        break;
    }
  }
}

}  // namespace mezhved::gateway
