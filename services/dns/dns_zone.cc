#include "dns/dns_zone.h"

#include <algorithm>

#include "dns/dns_message.h"
#include "dns/dns_name.h"

namespace stele::services::dns {

bool ZoneNode::has(std::uint16_t type) const {
  return std::any_of(records.begin(), records.end(),
                     [type](const ZoneRecord& r) { return r.type == type; });
}

std::expected<void, std::string> Zone::add(const std::string& owner, ZoneRecord record) {
  if (!isSubdomain(owner, apex_)) return std::unexpected("owner is outside the zone");
  ZoneNode& node = nodes_[owner];
  if (std::find(node.records.begin(), node.records.end(), record) != node.records.end())
    return std::unexpected("duplicate record");
  if (record.type == rrtype::kSoa) {
    if (owner != apex_) return std::unexpected("SOA must be at the zone apex");
    if (node.has(rrtype::kSoa)) return std::unexpected("second SOA in the zone");
  }
  if (record.type == rrtype::kCname && !node.records.empty())
    return std::unexpected("CNAME cannot sit next to other records at the same name");
  if (record.type != rrtype::kCname && node.has(rrtype::kCname))
    return std::unexpected("name already has a CNAME; no other records allowed there");
  if (record.type == rrtype::kCname && owner == apex_)
    return std::unexpected("CNAME not allowed at the zone apex");
  node.records.push_back(std::move(record));
  std::string_view name = owner;
  while (name.size() >= apex_.size()) {
    if (!existingNames_.emplace(name).second) break;
    if (name.size() == apex_.size()) break;
    name = parentName(name);
  }
  return {};
}

std::expected<void, std::string> Zone::validate() const {
  const ZoneNode* apexNode = find(apex_);
  if (apexNode == nullptr || !apexNode->has(rrtype::kSoa))
    return std::unexpected("zone " + nameToText(apex_) + " has no SOA record");
  if (!apexNode->has(rrtype::kNs))
    return std::unexpected("zone " + nameToText(apex_) + " has no NS record at its apex");
  return {};
}

const ZoneNode* Zone::find(std::string_view owner) const {
  auto it = nodes_.find(std::string(owner));
  return it == nodes_.end() ? nullptr : &it->second;
}

const ZoneRecord& Zone::soa() const {
  const ZoneNode* apexNode = find(apex_);
  return *std::find_if(apexNode->records.begin(), apexNode->records.end(),
                       [](const ZoneRecord& r) { return r.type == rrtype::kSoa; });
}

bool Zone::nameExists(std::string_view owner) const {
  return existingNames_.contains(std::string(owner));
}

bool ZoneSet::addZone(const std::string& apex) {
  if (byApex_.contains(apex)) return false;
  byApex_.emplace(apex, zones_.size());
  zones_.emplace_back(apex);
  return true;
}

const Zone* ZoneSet::findZone(std::string_view name) const {
  while (true) {
    auto it = byApex_.find(std::string(name));
    if (it != byApex_.end()) return &zones_[it->second];
    if (name.size() <= 1) return nullptr;
    name = parentName(name);
  }
}

}  // namespace stele::services::dns
