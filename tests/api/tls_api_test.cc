// `stele server --tls-cert/--tls-key`: HTTPS with a certificate the client verifies.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>

#include "cli/image_pusher.h"
#include "common/sha256.h"
#include "tests/support/server_process.h"

extern char** environ;

namespace stele::testing {
namespace {

int run(std::vector<std::string> args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A self-signed certificate for 127.0.0.1 in DIR/cert.pem and DIR/key.pem; openssl's status.
int makeCertificate(const TempDir& dir) {
  return run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
              "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", dir.file("key.pem"), "-out",
              dir.file("cert.pem")});
}

TEST(TlsApiTest, ServesHttpsThatAVerifyingClientAccepts) {
  TempDir dir;
  ASSERT_EQ(makeCertificate(dir), 0);
  ServerProcess server({"--tls-cert", dir.file("cert.pem"), "--tls-key", dir.file("key.pem")});
  std::string https = server.url();
  ASSERT_TRUE(https.starts_with("https://"));
  cli::HttpClient trusting = server.admin();
  auto ok = trusting.request("GET", "/v1/whoami");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
  cli::HttpClient untrusting(cli::ClientOptions{https, server.adminToken(), "", 10});
  auto refused = untrusting.request("GET", "/v1/whoami");
  EXPECT_FALSE(refused.has_value()) << "a certificate nobody vouches for is refused";
  cli::HttpClient plain(cli::ClientOptions{"http://127.0.0.1:" + std::to_string(server.port()),
                                           server.adminToken(), "", 5});
  auto cleartext = plain.request("GET", "/v1/whoami");
  EXPECT_FALSE(cleartext.has_value() && cleartext->status == 200) << "no plain HTTP on a TLS port";
}

TEST(TlsApiTest, ABlobGoesFromItsFileThroughTlsInPieces) {
  TempDir dir;
  ASSERT_EQ(makeCertificate(dir), 0);
  ServerProcess server({"--tls-cert", dir.file("cert.pem"), "--tls-key", dir.file("key.pem")});
  cli::HttpClient admin = server.admin();
  std::string bytes((5 << 20) + 123, '\0');  // more than one 1 MiB piece, and not a multiple
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i % 253);
  std::ofstream(dir.file("disk"), std::ios::binary) << bytes;
  auto blob = cli::uploadBlob(admin, "disk", dir.file("disk"), 2 << 20, cli::PushEvents{});
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->digest, digestString(sha256(bytes)));
  EXPECT_EQ(blob->bytesSent, static_cast<std::int64_t>(bytes.size()));
  auto head = admin.request("HEAD", "/v1/blobs/" + blob->digest);
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->status, 200);
}

}  // namespace
}  // namespace stele::testing
