#include "hypervisor/network_xml.h"

#include <cstdio>

#include "hypervisor/spec_validation.h"
#include "hypervisor/stable_hash.h"
#include "hypervisor/xml_writer.h"

namespace stele::hypervisor {

namespace {

constexpr std::string_view kSteleUuidMarker = "57e1e000-";

std::string canonicalForm(const NetworkSpec& spec) {
  std::string form = "stele-network-v1\n" + spec.name + "\n" + spec.bridge + "\n";
  if (spec.hostAddress)
    form += spec.hostAddress->ipv4 + "/" + std::to_string(spec.hostAddress->prefix);
  return form;
}

}  // namespace

std::string networkUuidFor(const NetworkSpec& spec) {
  const std::string form = canonicalForm(spec);
  const std::uint64_t high = fnv1a64(form);
  const std::uint64_t low = fnv1a64(form, high ^ 0x9e3779b97f4a7c15ULL);
  char text[37];
  std::snprintf(text, sizeof text, "%s%04x-%04x-%04x-%012llx", kSteleUuidMarker.data(),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xffff),
                static_cast<unsigned>((low >> 48) & 0xffff),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

bool isSteleNetworkUuid(std::string_view uuid) { return uuid.starts_with(kSteleUuidMarker); }

Result<std::string> buildNetworkXml(const NetworkSpec& spec) {
  if (auto ok = validateNetworkSpec(spec); !ok) return fail(ok.error());
  const std::string uuid = networkUuidFor(spec);
  XmlWriter xml;
  xml.open("network");
  xml.leaf("name", spec.name);
  xml.leaf("uuid", uuid);
  xml.empty("bridge", {{"name", spec.bridge}, {"stp", "off"}, {"delay", "0"}});
  xml.empty("dns", {{"enable", "no"}});
  if (spec.hostAddress) {
    const std::string prefix = std::to_string(spec.hostAddress->prefix);
    xml.empty("ip", {{"address", spec.hostAddress->ipv4}, {"prefix", prefix}});
  }
  xml.close();
  return xml.finish();
}

}  // namespace stele::hypervisor
