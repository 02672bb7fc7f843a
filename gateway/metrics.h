// What the core counts and times for /metrics (docs/MONITORING.md): messages accepted, refused, delivered,
// acknowledged and dead-lettered by kind, information type and agency; how long validation, sealing and the store's
// write take; how long a message waits between its acceptance and its first delivery; signature failures.
//
// Every label value is fixed at start (the catalogue's information types, the registry's agencies, the stable error
// codes, plus "other" for anything else), so that a bump is an array index and one relaxed atomic addition, and a
// caller cannot grow the number of series by sending made-up type codes.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/metrics.h"
#include "common/status.h"
#include "gateway/information_types.h"
#include "gateway/participants.h"
#include "mezhved/v1/messages.pb.h"
#include "store/message_store.h"

namespace mezhved::gateway {

enum class SignatureCheck {
  kPayload,  // a sender's signature on a payload
  kCaller,   // a calling information system's signature over its call (SOAP CallerInformationSystemSignature)
  kSeal,     // a stored message's gateway seal, re-verified (a security incident)
};

class GatewayMetrics final : public store::StoreObserver {
 public:
  // The agency label of a message is the agency of the organisation that acted: the sender for accepted and
  // refused messages, the recipient for delivered, acknowledged and dead-lettered ones.
  GatewayMetrics(metrics::Registry& registry, const ParticipantRegistry& participants,
                 const InformationTypeRegistry& types);

  // The counters' sums over every label, for the console's rates.
  struct Totals {
    uint64_t accepted = 0;
    uint64_t delivered = 0;
    uint64_t acknowledged = 0;
    uint64_t refused = 0;
    uint64_t dead_lettered = 0;
  };
  Totals totals() const;

  void Accepted(v1::MessageKind kind, std::string_view information_type_id, std::string_view sender_code);
  void Refused(ErrorCode code, std::string_view information_type_id, std::string_view sender_code);
  void SignatureFailed(SignatureCheck check);

  metrics::Histogram& validation_seconds() { return validation_seconds_; }
  metrics::Histogram& sealing_seconds() { return sealing_seconds_; }
  metrics::Histogram& store_write_seconds() { return store_write_seconds_; }

  // Deliveries, acks and dead letters, as the store made them durable.
  void OnCommitted(const std::vector<store::MessageFact>& facts) override;

 private:
  size_t TypeIndex(std::string_view information_type_id) const;
  size_t AgencyIndex(std::string_view organisation_code) const;
  static size_t KindIndex(v1::MessageKind kind);

  std::unordered_map<std::string, size_t> type_index_;
  std::unordered_map<std::string, size_t> agency_of_organisation_;  // organisation code -> agency value index
  size_t other_type_ = 0;
  size_t other_agency_ = 0;

  metrics::CounterGrid& accepted_;
  metrics::CounterGrid& delivered_;
  metrics::CounterGrid& acknowledged_;
  metrics::CounterGrid& dead_lettered_;
  metrics::CounterGrid& refused_;
  metrics::CounterGrid& signature_failures_;
  metrics::Histogram& validation_seconds_;
  metrics::Histogram& sealing_seconds_;
  metrics::Histogram& store_write_seconds_;
  metrics::Histogram& send_to_receive_seconds_;
};

}  // namespace mezhved::gateway
