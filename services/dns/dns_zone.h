// Authoritative zone data held in memory, keyed by lowercase wire names. Pure; no I/O.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace stele::services::dns {

// One record's data, ready to write. NS and CNAME carry their target in firstName; SOA
// carries MNAME and RNAME in firstName/secondName and the five counters in fixedData;
// A, AAAA and TXT carry their whole rdata in fixedData.
struct ZoneRecord {
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string firstName;
  std::string secondName;
  std::string fixedData;

  bool operator==(const ZoneRecord&) const = default;
};

struct ZoneNode {
  std::vector<ZoneRecord> records;

  bool has(std::uint16_t type) const;
};

class Zone {
 public:
  explicit Zone(std::string apex) : apex_(std::move(apex)) {}

  const std::string& apex() const { return apex_; }
  // Adds a record at `owner` (lowercase wire, inside the zone); refuses duplicates, a
  // second SOA, SOA off the apex, and CNAME next to other data.
  std::expected<void, std::string> add(const std::string& owner, ZoneRecord record);
  // Checks the zone as a whole: an SOA and at least one NS at the apex.
  std::expected<void, std::string> validate() const;

  const ZoneNode* find(std::string_view owner) const;
  // True for names that own records and for empty non-terminals above them.
  bool nameExists(std::string_view owner) const;
  // The apex SOA; only call on a zone that passed validate().
  const ZoneRecord& soa() const;

 private:
  std::string apex_;
  std::unordered_map<std::string, ZoneNode> nodes_;
  std::unordered_set<std::string> existingNames_;
};

class ZoneSet {
 public:
  // Returns false when a zone with this apex already exists.
  bool addZone(const std::string& apex);
  Zone& zone(std::size_t index) { return zones_[index]; }
  std::size_t size() const { return zones_.size(); }
  const std::vector<Zone>& zones() const { return zones_; }
  // The zone with the longest apex that contains `name` (lowercase wire), or nullptr.
  const Zone* findZone(std::string_view name) const;

 private:
  std::vector<Zone> zones_;
  std::unordered_map<std::string, std::size_t> byApex_;
};

}  // namespace stele::services::dns
