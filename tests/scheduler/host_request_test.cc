#include "scheduler/host_request.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace stele::scheduler {
namespace {

namespace fs = std::filesystem;

HostRequest valid() {
  return {"kvm-1", "qemu+ssh://root@kvm-1/system", "kvm", {"zone=a", "rack=r1"}, ""};
}

HostUriPolicy policy() {
  HostUriPolicy p;
  p.socketDir = "/run/x";
  p.sshKeyFile = "/etc/stele/id";
  return p;
}

TEST(HostRequest, AcceptsEveryAllowedTransportAndReturnsStoredAndLibvirtUris) {
  testing::TempDir hosts;
  HostUriPolicy p = policy();
  p.testHostsDir = hosts.path();
  for (const std::string& uri :
       {std::string("qemu:///system"),
        std::string("qemu+unix:///system?socket=/run/x/libvirt-sock"),
        std::string("qemu+ssh://root@h/system"), std::string("qemu+tls://h.example/system"),
        "test://" + hosts.file("hosts.xml")}) {
    HostRequest r = valid();
    r.uri = uri;
    auto result = validateHostRequest(r, p);
    ASSERT_TRUE(result.has_value()) << uri << ": " << result.error().message;
    EXPECT_EQ(result->storedUri, uri);
  }
  auto ssh = validateHostRequest(valid(), policy());
  ASSERT_TRUE(ssh) << ssh.error().message;
  EXPECT_EQ(ssh->storedUri, "qemu+ssh://root@kvm-1/system") << "no server path is stored";
  EXPECT_EQ(ssh->libvirtUri, "qemu+ssh://root@kvm-1/system?keyfile=/etc/stele/id");
}

TEST(HostRequest, RejectsBadFieldsNamingTheField) {
  struct Case {
    std::function<void(HostRequest&)> change;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.name = "../h"; }, "name"},
      {[](auto& r) { r.name = ""; }, "name"},
      {[](auto& r) { r.uri = "http://h"; }, "uri"},
      {[](auto& r) { r.uri = "qemu+ssh://h/system?command=/bin/sh"; }, "uri"},
      {[](auto& r) { r.uri = "qemu:///system extra"; }, "uri"},
      {[](auto& r) { r.uri = "qemu:///system\n<x/>"; }, "uri"},
      {[](auto& r) { r.uri = "qemu:///" + std::string(600, 'a'); }, "uri"},
      {[](auto& r) { r.accel = "xen"; }, "accel"},
      {[](auto& r) { r.labels = {"novalue"}; }, "labels"},
      {[](auto& r) { r.labels = {"Zone=a"}; }, "labels"},
      {[](auto& r) {
         r.labels = {"zone=a", "zone=b"};
       },
       "labels"},
      {[](auto& r) { r.labels = {"zone=a b"}; }, "labels"},
  };
  for (const auto& c : cases) {
    HostRequest r = valid();
    c.change(r);
    auto result = validateHostRequest(r, policy());
    ASSERT_FALSE(result.has_value()) << c.field;
    EXPECT_EQ(result.error().code, "host_invalid");
    EXPECT_TRUE(result.error().message.starts_with(c.field + ":")) << result.error().message;
  }
}

TEST(HostRequest, ATestHostFileMustNotEscapeItsDirectoryThroughASymlink) {
  testing::TempDir outside;
  testing::TempDir allowed;
  std::ofstream(outside.file("secret.xml")) << "secret\n";
  std::ofstream(allowed.file("host.xml")) << "<node/>\n";
  fs::create_symlink(outside.file("secret.xml"), allowed.file("link.xml"));
  fs::create_symlink(outside.path(), allowed.file("dir"));
  fs::create_symlink(allowed.file("host.xml"), allowed.file("inside.xml"));
  HostUriPolicy p;
  p.testHostsDir = allowed.path();
  auto uri = [&](const std::string& name) {
    HostRequest r = valid();
    r.uri = "test://" + allowed.file(name);
    return validateHostRequest(r, p);
  };
  EXPECT_TRUE(uri("host.xml")) << "a plain file below the directory";
  EXPECT_TRUE(uri("inside.xml")) << "a link that stays inside";
  EXPECT_TRUE(uri("missing.xml")) << "a file that does not exist (yet) is left to libvirt";
  for (const char* name : {"link.xml", "dir/secret.xml", "dir/missing.xml"}) {
    auto refused = uri(name);
    ASSERT_FALSE(refused) << name;
    EXPECT_EQ(refused.error().code, "host_invalid");
    EXPECT_NE(refused.error().message.find("symlinks followed"), std::string::npos)
        << refused.error().message;
  }
}

}  // namespace
}  // namespace stele::scheduler
