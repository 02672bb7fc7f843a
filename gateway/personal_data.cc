#include "gateway/personal_data.h"

#include <algorithm>
#include <string>

namespace mezhved::gateway {
namespace {

// The first letter (a whole UTF-8 sequence) and a dot; nothing for an empty name.
std::string Initial(const std::string& name) {
  if (name.empty()) {
    return name;
  }
  size_t length = 1;
  const auto lead = static_cast<unsigned char>(name[0]);
  if (lead >= 0xF0) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = 3;
  } else if (lead >= 0xC0) {
    length = 2;
  }
  return name.substr(0, std::min(length, name.size())) + ".";
}

void MaskText(std::string* text) {
  if (!text->empty()) {
    *text = kMasked;
  }
}

void MaskCitizen(v1::Citizen& citizen) {
  citizen.set_last_name(Initial(citizen.last_name()));
  citizen.set_first_name(Initial(citizen.first_name()));
  citizen.set_middle_name(Initial(citizen.middle_name()));
  citizen.clear_birth_date();
  MaskText(citizen.mutable_snils());
  for (v1::PersonIdentifier& identifier : *citizen.mutable_other_identifiers()) {
    MaskText(identifier.mutable_value());
  }
}

void MaskContact(v1::ContactDetails& contact) {
  MaskText(contact.mutable_postal_address());
  MaskText(contact.mutable_email());
  MaskText(contact.mutable_phone());
}

uint64_t TakePayload(std::string* payload) {
  const uint64_t size = payload->size();
  payload->clear();
  return size;
}

uint64_t MaskResponse(v1::ResponseEnvelope& response) {
  uint64_t payload_bytes = 0;
  if (response.has_data()) {
    payload_bytes = TakePayload(response.mutable_data()->mutable_payload());
  }
  if (response.has_refusal()) {
    MaskText(response.mutable_refusal()->mutable_explanation());
  }
  if (response.has_clarification()) {
    MaskText(response.mutable_clarification()->mutable_question());
    for (std::string& item : *response.mutable_clarification()->mutable_missing_items()) {
      MaskText(&item);
    }
  }
  if (response.has_cannot_answer()) {
    MaskText(response.mutable_cannot_answer()->mutable_explanation());
  }
  if (response.has_interim()) {
    MaskText(response.mutable_interim()->mutable_status_text());
  }
  return payload_bytes;
}

}  // namespace

uint64_t MaskPersonalData(v1::Message& message) {
  message.clear_sealed_xml();
  uint64_t payload_bytes = 0;
  if (message.has_request()) {
    v1::RequestEnvelope& request = *message.mutable_request();
    if (request.has_citizen()) {
      MaskCitizen(*request.mutable_citizen());
    }
    if (request.has_reply_contact()) {
      MaskContact(*request.mutable_reply_contact());
    }
    payload_bytes = TakePayload(request.mutable_payload());
  }
  if (message.has_response()) {
    payload_bytes = MaskResponse(*message.mutable_response());
  }
  if (message.has_supplement()) {
    MaskText(message.mutable_supplement()->mutable_text());
    payload_bytes = TakePayload(message.mutable_supplement()->mutable_payload());
  }
  return payload_bytes;
}

}  // namespace mezhved::gateway
