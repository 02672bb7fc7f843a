// The reports' daily tallies on RocksDB (message_store.h, "The reports' daily tallies"; docs/ARCHITECTURE.md has the
// keys). What a request adds is the tallier's business; the store writes it in the batch that changes the request:
// - a new request's tally is added when it is indexed for the reports;
// - an event the tallier says may change a request's tally is preceded by the difference between its tally with the
//   history before and after that event;
// - counts are int64 sums kept by merges, so a hot figure needs no read;
// - a distinct count over a range of days comes from first-seen counts: for each member and day it was seen, the
//   day it was last seen before. The members seen in [first, last] are those whose day in the range has a previous
//   day before `first` (or none), each once.
#include <limits>

#include "store/rocksdb_store_impl.h"

namespace mezhved::store {
namespace {

constexpr std::string_view kTallyBasisKey = "tally_basis";
constexpr size_t kMaxMemberBytes = 255;
constexpr size_t kRebuildBatchRequests = 10000;

std::string EncodeSum(int64_t value) {
  std::string bytes(sizeof value, '\0');
  for (size_t i = 0; i < sizeof value; ++i) {
    bytes[i] = static_cast<char>(static_cast<uint64_t>(value) >> (8 * i));
  }
  return bytes;
}

std::optional<int64_t> DecodeSum(std::string_view bytes) {
  if (bytes.size() != sizeof(int64_t)) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return static_cast<int64_t>(value);
}

// int64 little-endian values added up. A value of another size is corrupt: the merge fails, and RocksDB reports it.
class TallySumOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing_value, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    const std::optional<int64_t> operand = DecodeSum(value.ToStringView());
    const std::optional<int64_t> existing =
        existing_value != nullptr ? DecodeSum(existing_value->ToStringView()) : std::optional<int64_t>(0);
    if (!operand || !existing) {
      return false;
    }
    *new_value = EncodeSum(static_cast<int64_t>(static_cast<uint64_t>(*existing) + static_cast<uint64_t>(*operand)));
    return true;
  }
  const char* Name() const override { return "mezhved.TallySum"; }
};

Status CheckScope(std::string_view scope) {
  return keys::IsValidOrganisationCode(scope) ? Status::Ok()
                                              : InternalError("the tallier gave a scope that is empty or holds '\\0'");
}

// The sum of each count key: the after tally's counts minus the before tally's, zeros dropped.
using NetSums = std::map<std::string, int64_t>;

StatusOr<NetSums> NetCounts(const RequestTally* before, const RequestTally& after) {
  NetSums net;
  const auto add = [&net](const RequestTally& tally, int64_t sign) -> Status {
    for (const TallyCount& count : tally.counts) {
      MEZHVED_RETURN_IF_ERROR(CheckScope(count.scope));
      net[keys::TallyCountKey(count.figure, count.scope, count.day, count.detail)] += sign * count.count;
    }
    return Status::Ok();
  };
  MEZHVED_RETURN_IF_ERROR(add(after, 1));
  if (before != nullptr) {
    MEZHVED_RETURN_IF_ERROR(add(*before, -1));
  }
  std::erase_if(net, [](const auto& entry) { return entry.second == 0; });
  return net;
}

bool SameMember(const TallyMember& a, const TallyMember& b) {
  return a.scope == b.scope && a.day == b.day && a.member == b.member;
}

// The stored tallies are no longer trusted: the next open with a tallier counts them again.
Status ForgetBasis(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta) {
  rocksdb::WriteBatch forget;
  forget.Delete(meta, rocksdb::Slice(kTallyBasisKey));
  return WriteSynced(db, forget, "forgetting the tallies' basis");
}

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewTallySumOperator() { return std::make_shared<TallySumOperator>(); }

// --- Writing -------------------------------------------------------------------------------------------------------

Status RocksDbStore::Impl::TallyNewRequest(GroupBatch& batch, const RequestFacts& request) {
  if (options_.tallier == nullptr) {
    return Status::Ok();
  }
  return WriteTallyChange(batch, nullptr, options_.tallier->Tally(request));
}

Status RocksDbStore::Impl::RetallyOnEvent(GroupBatch& batch, const MessageId& id, const records::StoredState& state,
                                          const api::HistoryEvent& event) {
  if (state.kind() != api::MESSAGE_KIND_REQUEST) {
    return Status::Ok();  // only requests are tallied
  }
  const UnixMillis received_ms = state.received_at_ms();  // every request's state has it since format 2
  STORE_ASSIGN_OR_RETURN(
      std::optional<records::RequestReportEntry> entry,
      batch.ReadRecord<records::RequestReportEntry>(ColumnFamily::kRequests, keys::InstantIdKey(received_ms, id)));
  if (!entry) {
    return Status::Ok();  // not indexed for the reports (a test message): not tallied either
  }
  RequestFacts request = FactsOf(id, *entry);
  const std::string prefix = keys::HistoryPrefix(id);
  const std::string upper = keys::PrefixUpperBound(prefix);
  const rocksdb::Slice upper_slice(upper);
  std::unique_ptr<rocksdb::Iterator> it = batch.NewIterator(ColumnFamily::kHistory, &upper_slice);
  STORE_ASSIGN_OR_RETURN(request.history, ReadHistoryFrom(*it, id));
  if (request.history.size() != state.history_length()) {
    return InternalError("message " + id.ToString() + " has " + std::to_string(request.history.size()) +
                         " history events, its state counts " + std::to_string(state.history_length()));
  }
  const RequestTally before = options_.tallier->Tally(request);
  request.history.push_back(event);
  return WriteTallyChange(batch, &before, options_.tallier->Tally(request));
}

Status RocksDbStore::Impl::WriteTallyChange(GroupBatch& batch, const RequestTally* before, const RequestTally& after) {
  STORE_ASSIGN_OR_RETURN(const NetSums net, NetCounts(before, after));
  for (const auto& [key, sum] : net) {
    MEZHVED_RETURN_IF_ERROR(batch.Merge(ColumnFamily::kTallies, key, EncodeSum(sum)));
  }
  for (const TallyMember& member : after.members) {
    const bool known =
        before != nullptr && std::any_of(before->members.begin(), before->members.end(),
                                         [&member](const TallyMember& old) { return SameMember(old, member); });
    if (!known) {
      MEZHVED_RETURN_IF_ERROR(AddTallyMember(batch, member));
    }
  }
  return Status::Ok();
}

// Seeing a member on `day` between its previous day P and its next day N (either may be missing) changes the
// first-seen counts: `day` is now seen after P, and N after `day` instead of after P. The member's days are read
// with one seek (a day already seen changes nothing).
Status RocksDbStore::Impl::AddTallyMember(GroupBatch& batch, const TallyMember& member) {
  MEZHVED_RETURN_IF_ERROR(CheckScope(member.scope));
  if (member.member.size() > kMaxMemberBytes) {
    return InternalError("the tallier gave a member of more than 255 bytes");
  }
  const std::string prefix = keys::TallyMemberPrefix(member.scope, member.member);
  const std::string upper = keys::PrefixUpperBound(prefix);
  const rocksdb::Slice upper_slice(upper);
  int32_t previous = keys::kNoPreviousDay;
  std::optional<int32_t> next;
  std::unique_ptr<rocksdb::Iterator> it = batch.NewIterator(ColumnFamily::kTallyMembers, &upper_slice);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::optional<int32_t> seen = keys::DecodeTallyMemberDay(it->key().ToStringView(), prefix.size());
    if (!seen) {
      return InternalError(CorruptRecord(ColumnFamily::kTallyMembers));
    }
    const int32_t day = *seen;
    if (day == member.day) {
      return Status::Ok();
    }
    if (day > member.day) {
      next = day;
      break;
    }
    previous = day;
  }
  if (!it->status().ok()) {
    return FromRocksDb("reading a tally member's days", it->status());
  }
  MEZHVED_RETURN_IF_ERROR(
      batch.Put(ColumnFamily::kTallyMembers, keys::TallyMemberKey(member.scope, member.member, member.day), {}));
  MEZHVED_RETURN_IF_ERROR(
      batch.Merge(ColumnFamily::kTallies, keys::TallyFirstSeenKey(member.scope, member.day, previous), EncodeSum(1)));
  if (next) {
    MEZHVED_RETURN_IF_ERROR(
        batch.Merge(ColumnFamily::kTallies, keys::TallyFirstSeenKey(member.scope, *next, previous), EncodeSum(-1)));
    MEZHVED_RETURN_IF_ERROR(
        batch.Merge(ColumnFamily::kTallies, keys::TallyFirstSeenKey(member.scope, *next, member.day), EncodeSum(1)));
  }
  return Status::Ok();
}

// --- Opening: trust, or count again --------------------------------------------------------------------------------

Status RocksDbStore::Impl::PrepareTallies() {
  STORE_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                         ReadCommitted(rocksdb::ReadOptions(), ColumnFamily::kMeta, kTallyBasisKey));
  if (options_.tallier == nullptr) {
    // Requests written now would not be tallied: the next open with a tallier must count them all again.
    if (stored) {
      MEZHVED_RETURN_IF_ERROR(ForgetBasis(*db_, Handle(ColumnFamily::kMeta)));
    }
    tally_basis_.clear();
    return Status::Ok();
  }
  const std::string basis = options_.tallier->Basis();
  if (stored && *stored == basis) {
    tally_basis_ = basis;
    return Status::Ok();
  }
  return RebuildTallies(basis);
}

// Crash-safe in the simplest way: the basis is written last, so a rebuild that did not finish is started over by
// the next open. The two column families are dropped and created again rather than emptied key by key.
Status RocksDbStore::Impl::RebuildTallies(const std::string& basis) {
  MEZHVED_RETURN_IF_ERROR(ForgetBasis(*db_, Handle(ColumnFamily::kMeta)));
  for (const ColumnFamily family : {ColumnFamily::kTallies, ColumnFamily::kTallyMembers}) {
    rocksdb::ColumnFamilyHandle*& handle = handles_[ColumnFamilyIndex(family)];
    rocksdb::Status status = db_->DropColumnFamily(handle);
    if (status.ok()) {
      status = db_->DestroyColumnFamilyHandle(handle);
      handle = nullptr;
    }
    if (status.ok()) {
      status = db_->CreateColumnFamily(OptionsFor(family), std::string(ColumnFamilyName(family)), &handle);
    }
    if (!status.ok()) {
      return FromRocksDb("emptying the column family " + std::string(ColumnFamilyName(family)), status);
    }
  }

  std::optional<GroupBatch> batch;
  size_t in_batch = 0;
  Status tallied = Status::Ok();
  const auto commit = [&]() -> Status {
    const rocksdb::Status status = batch->Commit();
    batch.reset();
    in_batch = 0;
    return status.ok() ? Status::Ok() : FromRocksDb("writing the counted tallies", status);
  };
  MEZHVED_RETURN_IF_ERROR(
      VisitRequestsReceived(0, std::numeric_limits<UnixMillis>::max(), [&](const RequestFacts& request) {
        if (!tallied.ok()) {
          return;
        }
        if (!batch) {
          batch.emplace(db_.get(), handles_);
        }
        tallied = WriteTallyChange(*batch, nullptr, options_.tallier->Tally(request));
        if (tallied.ok() && ++in_batch == kRebuildBatchRequests) {
          tallied = commit();
        }
      }));
  MEZHVED_RETURN_IF_ERROR(tallied);
  if (batch) {
    MEZHVED_RETURN_IF_ERROR(commit());
  }
  // The count wrote a merge per request and figure: flush and compact them into one value per key before the first
  // report reads them.
  rocksdb::Status settled = db_->Flush(rocksdb::FlushOptions(), Handle(ColumnFamily::kTallies));
  if (settled.ok()) {
    settled = db_->CompactRange(rocksdb::CompactRangeOptions(), Handle(ColumnFamily::kTallies), nullptr, nullptr);
  }
  if (!settled.ok()) {
    return FromRocksDb("compacting the counted tallies", settled);
  }
  rocksdb::WriteBatch trust;
  trust.Put(Handle(ColumnFamily::kMeta), rocksdb::Slice(kTallyBasisKey), rocksdb::Slice(basis));
  MEZHVED_RETURN_IF_ERROR(WriteSynced(*db_, trust, "writing the tallies' basis"));
  tally_basis_ = basis;
  return Status::Ok();
}

// --- Reading -------------------------------------------------------------------------------------------------------

std::string RocksDbStore::Impl::TallyBasis() const { return tally_basis_; }

// Each group (a figure of a scope; a scope's first-seen counts) is a run of keys by day: seek to the range's first
// day in it, read to its last, then seek past the group.
StatusOr<TallyRange> RocksDbStore::Impl::ReadTallies(int32_t first_day, int32_t last_day) const {
  if (last_day < first_day) {
    return Status(ErrorCode::kInvalidArgument, "a range of days needs first_day <= last_day");
  }
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  TallyRange range;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options(), Handle(ColumnFamily::kTallies)));
  it->SeekToFirst();
  while (it->Valid()) {
    const std::optional<keys::TallyKeyParts> key = keys::DecodeTallyKey(it->key().ToStringView());
    const std::optional<int64_t> sum = DecodeSum(it->value().ToStringView());
    if (!key || !sum || (key->tag == keys::kTallyFirstSeenTag && *sum < 0)) {
      return InternalError(CorruptRecord(ColumnFamily::kTallies));
    }
    if (key->day < first_day) {
      it->Seek(keys::TallyDayBound(key->group, first_day));
      continue;
    }
    if (key->day > last_day) {
      it->Seek(keys::PrefixUpperBound(key->group));
      continue;
    }
    if (key->tag == keys::kTallyCountTag && *sum != 0) {
      range.counts.push_back({key->figure, std::string(key->scope), key->day, key->detail, *sum});
    } else if (key->tag == keys::kTallyFirstSeenTag && key->detail < first_day && *sum != 0) {
      range.distinct_members[std::string(key->scope)] += static_cast<uint64_t>(*sum);
    }
    it->Next();
  }
  if (!it->status().ok()) {
    return FromRocksDb("reading the tallies", it->status());
  }
  return range;
}

}  // namespace mezhved::store
