// Host URIs are code (issue 12), against a real `stele server`: parameters that name a program
// are refused and the program never runs (also not after a restart, also not for a host stored
// before the check existed); test:/// needs --allow-test-hosts and stays inside its directory;
// a host that fails to connect shows no line of the file libvirt tried to read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/database.h"
#include "store/host_repository.h"
#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

namespace fs = std::filesystem;

const std::string kHostsDir = std::string(STELE_SOURCE_DIR) + "/tests/hypervisor/hosts";

cli::ClientResponse addHost(cli::HttpClient& client, const std::string& name,
                            const std::string& uri) {
  nlohmann::json body = {{"name", name}, {"uri", uri}, {"accel", "qemu"}};
  return *client.request("POST", "/v1/hosts", body.dump());
}

std::string errorMessage(const cli::ClientResponse& response) {
  return jsonOf(response)["error"]["message"].get<std::string>();
}

// A script that leaves a marker file when anything runs it.
class MarkerScript {
 public:
  MarkerScript() {
    std::ofstream(path()) << "#!/bin/sh\necho ran >> " << marker() << "\n";
    fs::permissions(path(), fs::perms::owner_all);
  }
  std::string path() const { return dir_.file("marker.sh"); }
  std::string marker() const { return dir_.file("marker"); }
  bool ran() const { return fs::exists(marker()); }

 private:
  TempDir dir_;
};

TEST(HostUriApi, ParametersNamingAProgramAreRefusedAndTheProgramNeverRunsAlsoAfterARestart) {
  MarkerScript script;
  ServerProcess server({"--allow-test-hosts", kHostsDir});
  cli::HttpClient admin = server.admin();
  struct Case {
    std::string uri;
    std::string named;  // the refusal names this
  };
  std::vector<Case> cases = {
      {"qemu+ssh://localhost/system?command=" + script.path(), "'command'"},
      {"qemu+ssh://localhost/system?netcat=" + script.path(), "'netcat'"},
      {"qemu+ssh://localhost/system?keyfile=/etc/shadow", "'keyfile'"},
      {"qemu+ssh://localhost/system?%63ommand=" + script.path(), "percent-encoding"},
      {"qemu+ext:///system?command=" + script.path(), "'qemu+ext'"},
      {"qemu+tls://localhost/system?pkipath=/tmp", "'pkipath'"},
      {"qemu+unix:///system?socket=/run/libvirt/libvirt-sock&command=" + script.path(),
       "'command'"},
      {"qemu+unix:///system?socket=/tmp/sock", "below /run/libvirt"},
      {"test://" + kHostsDir + "/small.xml?command=" + script.path(), "'command'"},
  };
  for (const auto& c : cases) {
    auto refused = addHost(admin, "evil", c.uri);
    EXPECT_EQ(refused.status, 400) << c.uri;
    EXPECT_EQ(errorCode(refused), "host_invalid") << c.uri;
    EXPECT_NE(errorMessage(refused).find(c.named), std::string::npos)
        << c.uri << " -> " << errorMessage(refused);
  }
  EXPECT_EQ(jsonOf(*admin.request("GET", "/v1/hosts"))["items"].size(), 0u);
  server.stop();
  server.start();
  admin = server.admin();
  EXPECT_EQ(jsonOf(*admin.request("GET", "/v1/hosts"))["items"].size(), 0u);
  EXPECT_FALSE(script.ran()) << "a refused host URI was handed to libvirt";
}

TEST(HostUriApi, AHostStoredWithAProgramInItsUriIsNeverConnectedAtStart) {
  MarkerScript script;
  ServerProcess server;
  server.stop();
  {  // as a server before this check would have stored it
    auto db = store::Database::open(server.dataDir() + "/stele.db");
    ASSERT_TRUE(db) << db.error().message;
    store::HostRepository hosts(**db);
    ASSERT_TRUE(hosts.insert(
        {"evil", "qemu+ext:///system?command=" + script.path(), "qemu", {}, false, 1, ""}));
  }
  server.start();
  cli::HttpClient admin = server.admin();
  cli::HttpClient viewer = server.client(createToken(admin, "viewer"));
  auto view = jsonOf(*viewer.request("GET", "/v1/hosts/evil"));
  EXPECT_EQ(view["state"], "unreachable");
  std::string lastError = view["lastError"].get<std::string>();
  EXPECT_NE(lastError.find("not connected"), std::string::npos) << lastError;
  EXPECT_NE(lastError.find("'qemu+ext'"), std::string::npos) << lastError;
  EXPECT_NE(server.logText().find("stored host evil is not connected"), std::string::npos)
      << server.logText();
  EXPECT_FALSE(script.ran()) << "a stored, refused URI was handed to libvirt at start";
  EXPECT_EQ(admin.request("DELETE", "/v1/hosts/evil?force=true")->status, 204);
}

TEST(HostUriApi, TestHostsAreRefusedWithoutTheServerFlag) {
  ServerProcess server;
  cli::HttpClient admin = server.admin();
  for (const std::string& uri :
       {"test://" + kHostsDir + "/small.xml", std::string("test:///default")}) {
    auto refused = addHost(admin, "small", uri);
    EXPECT_EQ(refused.status, 400) << uri;
    EXPECT_EQ(errorCode(refused), "host_invalid");
    EXPECT_NE(errorMessage(refused).find("--allow-test-hosts"), std::string::npos)
        << errorMessage(refused);
  }
}

TEST(HostUriApi, WithTheFlagATestHostOutsideTheAllowedDirectoryIsRefused) {
  TempDir allowed;
  TempDir outside;
  std::ofstream(outside.file("host.xml")) << "<node/>\n";
  fs::create_symlink(outside.file("host.xml"), allowed.file("escape.xml"));
  fs::copy_file(kHostsDir + "/small.xml", allowed.file("small.xml"));
  ServerProcess server({"--allow-test-hosts", allowed.path()});
  cli::HttpClient admin = server.admin();
  for (const std::string& uri :
       {"test://" + outside.file("host.xml"), "test://" + allowed.path() + "/../x/host.xml",
        "test://" + allowed.file("escape.xml"), std::string("test:///etc/passwd"),
        std::string("test:///default")}) {
    auto refused = addHost(admin, "h", uri);
    EXPECT_EQ(refused.status, 400) << uri;
    EXPECT_EQ(errorCode(refused), "host_invalid") << uri;
  }
  auto inside = addHost(admin, "small", "test://" + allowed.file("small.xml"));
  ASSERT_EQ(inside.status, 201) << inside.body;
  EXPECT_EQ(jsonOf(inside)["state"], "up");
}

TEST(HostUriApi, AHostThatFailsToConnectShowsNoLineOfTheFileLibvirtRead) {
  TempDir allowed;
  const std::vector<std::string> lines = {"STELE-SECRET-7f3a9c root-password=hunter2",
                                          "aws_secret_access_key=AKIA0000SECRET",
                                          "<not really xml"};
  {
    std::ofstream out(allowed.file("secret.xml"));
    for (const auto& line : lines) out << line << "\n";
  }
  ServerProcess server({"--allow-test-hosts", allowed.path()});
  cli::HttpClient admin = server.admin();
  cli::HttpClient viewer = server.client(createToken(admin, "viewer"));
  auto added = addHost(admin, "leaky", "test://" + allowed.file("secret.xml"));
  ASSERT_EQ(added.status, 201) << added.body;
  std::vector<std::string> bodies = {added.body, viewer.request("GET", "/v1/hosts")->body,
                                     viewer.request("GET", "/v1/hosts/leaky")->body,
                                     admin.request("GET", "/v1/hosts/leaky")->body};
  for (const auto& body : bodies) {
    for (const auto& line : lines) {
      EXPECT_EQ(body.find(line), std::string::npos) << body;
      EXPECT_EQ(body.find(line.substr(0, 12)), std::string::npos) << body;
    }
    EXPECT_EQ(body.find("hunter2"), std::string::npos) << body;
  }
  auto view = jsonOf(*viewer.request("GET", "/v1/hosts/leaky"));
  EXPECT_EQ(view["state"], "unreachable");
  EXPECT_TRUE(view["lastError"].get<std::string>().starts_with("connection failed: "))
      << view["lastError"];
  std::string log = server.logText();
  EXPECT_NE(log.find("host leaky: connection failed: "), std::string::npos) << log;
  EXPECT_NE(log.find(allowed.file("secret.xml")), std::string::npos) << "the detail is logged";
  EXPECT_NE(log.find(lines[0]), std::string::npos)
      << "libvirt quotes the line; only the log has it";
}

}  // namespace
}  // namespace stele::testing
