// The registries and keys the core applies (gateway.h), shared by the rules that read them (deadlines.h).
#pragma once

#include <memory>

#include "calendar/deadlines.h"
#include "calendar/production_calendar.h"
#include "gateway/agreements.h"
#include "gateway/information_types.h"
#include "gateway/participants.h"
#include "seal/sealer.h"
#include "seal/verifier.h"

namespace mezhved::gateway {

// The registries the core applies, loaded from the config at start and immutable after.
struct Rules {
  std::shared_ptr<const ParticipantRegistry> participants;
  std::shared_ptr<const AgreementRegistry> agreements;
  std::shared_ptr<const InformationTypeRegistry> information_types;
  // Answer deadlines are counted on it (DOMAIN.md "Rules of the exchange": working days from receipt).
  std::shared_ptr<const calendar::ProductionCalendar> calendar;
  calendar::ReceiptPolicy receipt_policy = calendar::ReceiptPolicy::kCivilCode;
  int working_day_end_minutes = 18 * 60;
  // Seals every accepted message (docs/SIGNATURES.md); null only in a loopback trial without a sealing key.
  std::shared_ptr<const seal::Sealer> sealer;
  // Checks the gateway's own seals again: trusts its sealing certificates, current and earlier. Null with no sealer.
  std::shared_ptr<const seal::SignatureVerifier> seal_verifier;
  // Verifies senders' signatures on payloads against sender_trust; null when none is configured (then a signed
  // payload is refused as CERTIFICATE_UNTRUSTED, and no signature can be required).
  std::shared_ptr<const seal::SignatureVerifier> sender_verifier;
};

}  // namespace mezhved::gateway
