// The store's RocksDB opened directly by the store's tests, to damage a store the way a newer version, an older
// format or a bad disk would. The tests link RocksDB for this; nothing else outside store/ does.
#pragma once

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mezhved::store::test_fixture {

using RawFamilies = std::map<std::string, rocksdb::ColumnFamilyHandle*>;

// The store's RocksDB opened directly, with the column families it has (whatever format wrote them), by name.
inline void WithRawDatabase(const std::string& path, const std::function<void(rocksdb::DB&, RawFamilies&)>& use) {
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok());
  RawFamilies by_name;
  for (size_t i = 0; i < names.size(); ++i) {
    by_name[names[i]] = handles[i];
  }
  use(*db, by_name);
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    REQUIRE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  delete db;
}

}  // namespace mezhved::store::test_fixture
