// The column families of the RocksDB store (docs/ARCHITECTURE.md has the key layout of each). The enum is only ever
// appended to: a value is an index into the handles the store opens, and a name, once written to disk, is forever.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace mezhved::store {

enum class ColumnFamily : size_t {
  kDefault,       // required by RocksDB; unused
  kMeta,          // "format_version", "next_sequence"
  kMessages,      // id16 -> StoredMessage, written once
  kStates,        // id16 -> StoredState, rewritten on each change
  kQueues,        // recipient '\0' BE64(sequence) -> id16: pending (ready or leased) messages
  kDeadLetters,   // recipient '\0' BE64(sequence) -> id16
  kHistory,       // id16 BE32(event index) -> v1::HistoryEvent, append-only
  kIdempotency,   // sender '\0' idempotency key -> IdempotencyRecord
  kRejections,    // BE64(at_ms) BE64(sequence) -> v1::Rejection, append-only
  kAgreements,    // agreement id '\0' BE32(version) -> AgreementVersion, append-only
  kTimers,        // BE64(fire_at_ms) id16 event -> empty: the deadline timers still to fire
  kOverdue,       // BE64(due_at_ms) id16 -> empty: requests past their deadline whose clock runs
  kRequests,      // BE64(received_at_ms) id16 -> RequestReportEntry: every request, for the reports
  kAudit,         // BE64(at_ms) BE64(sequence) -> v1::AuditEntry: operators' actions, append-only
  kTallies,       // the reports' daily sums (key_codec.h "tallies") -> int64 LE, updated by merges
  kTallyMembers,  // scope '\0' len(1) member BE32(day) -> empty: the days each member of a distinct count was seen
};

inline constexpr std::array<std::string_view, 16> kColumnFamilyNames = {
    "default",    "meta",       "messages", "states",  "queues",   "dead_letters", "history", "idempotency",
    "rejections", "agreements", "timers",   "overdue", "requests", "audit",        "tallies", "tally_members",
};

inline constexpr size_t kColumnFamilyCount = kColumnFamilyNames.size();

constexpr size_t ColumnFamilyIndex(ColumnFamily family) { return static_cast<size_t>(family); }

constexpr std::string_view ColumnFamilyName(ColumnFamily family) {
  return kColumnFamilyNames[ColumnFamilyIndex(family)];
}

static_assert(ColumnFamilyIndex(ColumnFamily::kTallyMembers) + 1 == kColumnFamilyCount,
              "every column family needs a name");

}  // namespace mezhved::store
