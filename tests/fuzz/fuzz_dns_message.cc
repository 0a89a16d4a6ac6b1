// libFuzzer target: the DNS message parser (header, questions, records, decompression).
// Only pure parser code runs here: no sockets, no files, no zones.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dns/dns_message.h"
#include "dns/dns_name.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stele::services::dns;
  auto message = parseMessage(std::span<const std::uint8_t>(data, size));
  if (!message) return 0;
  // Whatever parses must be well-formed: every name fits the limits.
  for (const auto& question : message->questions) {
    if (question.name.size() > kMaxNameLength || question.name.empty() ||
        question.name.back() != '\0')
      std::abort();
    (void)nameToText(question.name);
  }
  for (const auto* section : {&message->answers, &message->authority, &message->additional})
    for (const auto& record : *section)
      if (record.name.size() > kMaxNameLength) std::abort();
  return 0;
}
