// `stele server --tls-cert/--tls-key`: HTTPS with a certificate the client verifies.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

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

TEST(TlsApiTest, ServesHttpsThatAVerifyingClientAccepts) {
  TempDir dir;
  ASSERT_EQ(run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                 "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", dir.file("key.pem"),
                 "-out", dir.file("cert.pem")}),
            0);
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

}  // namespace
}  // namespace stele::testing
