// What of a message is a citizen's personal data, and how the operators' console masks it (docs/CONSOLE.md). The
// console shows envelopes masked; a role that may see personal data reveals one message at a time, and the reveal is
// recorded in the message's history and the audit log (Federal Law 152-FZ on personal data: access is limited to
// what a person's duties need, and recorded; DOMAIN.md "Personal data").
//
// Personal data here: the citizen block (names, birth date, SNILS, other identifiers), the reply contact details,
// the payloads (the information type's documents are about the citizen), and the free texts that may name the
// citizen (clarification questions, refusal and cannot-answer explanations, supplement and interim texts). Codes,
// names of organisations and officials, registration numbers, dates of the exchange and the legal basis stay visible:
// an operator needs them to follow a message.
#pragma once

#include <cstdint>

#include "mezhved/v1/messages.pb.h"

namespace mezhved::gateway {

// The mask shown in place of a hidden value.
inline constexpr char kMasked[] = "***";

// Masks `message` in place for the console: names keep their initial ("И."), everything else listed above is
// replaced by kMasked or cleared (dates, payloads), and sealed_xml is dropped (it repeats the whole message).
// Returns the payload's size in bytes before it was cleared.
uint64_t MaskPersonalData(v1::Message& message);

}  // namespace mezhved::gateway
