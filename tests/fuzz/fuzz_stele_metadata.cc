// libFuzzer target for the reader of the Stele <metadata> element of a domain
// (hypervisor/stele_metadata.h). The server reads that XML back from every domain on a host,
// and a shared host may carry domains whose metadata someone else wrote, so any bytes must
// give a value or an error: no crash, no leak, no hang.
//
// Beyond that: whatever parses is valid by validateInstanceMetadata, and the element written
// back from it (the shape domain_xml.cc writes) parses again to the same value.
//
// Seeds: tests/fuzz/corpus/stele_metadata/. Run: build-fuzz/tests/fuzz/fuzz_stele_metadata DIR
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hypervisor/spec_validation.h"
#include "hypervisor/stele_metadata.h"

namespace {

using namespace stele::hypervisor;

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_stele_metadata: invariant broken: %s\n", what);
  std::abort();
}

std::string elementOf(const InstanceMetadata& metadata) {
  return "<" + std::string(kSteleMetadataPrefix) +
         ":instance xmlns:" + std::string(kSteleMetadataPrefix) + "='" +
         std::string(kSteleMetadataNamespace) + "' id='" + metadata.instanceId + "' deployment='" +
         metadata.deployment + "' revision='" + metadata.revision + "' image-digest='" +
         metadata.imageDigest + "'/>";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto parsed = parseSteleMetadata(xml);
  if (!parsed) {
    check(!parsed.error().message.empty(), "an error names its reason");
    return 0;
  }
  check(validateInstanceMetadata(*parsed).has_value(), "parsed metadata is valid");
  auto again = parseSteleMetadata(elementOf(*parsed));
  check(again.has_value(), "the element written back parses");
  check(*again == *parsed, "the element written back parses to the same value");
  return 0;
}
