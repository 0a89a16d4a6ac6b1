// A small corpus of malformed DNS messages and HTTP requests, fed both to the pure parsers
// (unit tests) and to the running appliances (integration tests, which must stay alive).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace stele::services::testing {

inline std::string bytesFromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    if (hex[i] == ' ') {
      --i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Each is a query-shaped message that is broken somewhere. Header: id 0x1234, RD.
inline std::vector<std::string> malformedDnsMessages() {
  return {
      "",                                                                 // empty
      bytesFromHex("12"),                                                 // one byte
      bytesFromHex("1234 0100 0001 0000 0000"),                           // header cut short
      bytesFromHex("1234 0100 0001 0000 0000 0000"),                      // question missing
      bytesFromHex("1234 0100 0001 0000 0000 0000 03777777"),             // name runs off the end
      bytesFromHex("1234 0100 0001 0000 0000 0000 c00c 0001 0001"),       // pointer to itself
      bytesFromHex("1234 0100 0001 0000 0000 0000 c0ff 0001 0001"),       // pointer forward
      bytesFromHex("1234 0100 0001 0000 0000 0000 0161 c00c 0001 0001"),  // pointer loop
      bytesFromHex("1234 0100 0001 0000 0000 0000 4061 00 0001 0001"),    // label type 01
      bytesFromHex("1234 0100 0001 0000 0000 0000 8061 00 0001 0001"),    // label type 10
      bytesFromHex("1234 0100 0001 0000 0000 0000 00 0001"),              // class missing
      bytesFromHex("1234 0100 0002 0000 0000 0000 00 0001 0001 00 0001 0001"),  // two questions
      bytesFromHex("1234 0100 0000 0000 0000 0000"),                            // no question
      bytesFromHex("1234 0100 0001 0001 0000 0000 00 0001 0001"),  // answer promised, absent
      bytesFromHex(
          "1234 0100 0001 0000 0000 0001 00 0001 0001 00 0029 1000 00000000 0005 00"),  // OPT rdata
                                                                                        // short
      bytesFromHex("1234 0100 0001 0000 0000 0002 00 0001 0001 00 0029 1000 00000000 0000 00 0029 "
                   "1000 00000000 0000"),                               // two OPTs
      bytesFromHex("1234 0100 0001 0000 0000 0000 00 0001 0001 ffff"),  // trailing bytes
      bytesFromHex("1234 0100 0001 0000 0000 0001 00 0001 0001 0474657374 00 0029 1000 00000000 "
                   "0000"),  // OPT not at root
      // a 300-byte name made of 63-byte labels
      bytesFromHex("1234 0100 0001 0000 0000 0000") + std::string(1, 63) + std::string(63, 'a') +
          std::string(1, 63) + std::string(63, 'b') + std::string(1, 63) + std::string(63, 'c') +
          std::string(1, 63) + std::string(63, 'd') + std::string(1, 63) + std::string(63, 'e') +
          std::string(1, 0) + bytesFromHex("0001 0001"),
  };
}

inline std::vector<std::string> malformedHttpRequests() {
  return {
      "\r\n\r\n\r\n\r\n\r\n\r\n",  // more blank lines than tolerated
      "GET\r\n\r\n",
      "GET /\r\n\r\n",
      "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
      "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
      "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTX/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
      "GET / HTTP/1.1\r\nHost x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      std::string("GET / HTTP/1.1\r\nHost: x\x01y\r\n\r\n"),
      std::string("GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n"),
      std::string("GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n", 29),
      "GET relative HTTP/1.1\r\nHost: x\r\n\r\n",
  };
}

}  // namespace stele::services::testing
