#include "scheduler/host_request.h"

#include <gtest/gtest.h>

namespace stele::scheduler {
namespace {

HostRequest valid() {
  return {"kvm-1", "qemu+ssh://root@kvm-1/system", "kvm", {"zone=a", "rack=r1"}};
}

TEST(HostRequest, AcceptsEveryKnownLibvirtScheme) {
  for (const char* uri :
       {"qemu:///system", "qemu+unix:///system?socket=/run/x/libvirt-sock",
        "qemu+ssh://root@h/system", "qemu+tls://h.example/system", "test:///abs/path/hosts.xml"}) {
    HostRequest r = valid();
    r.uri = uri;
    EXPECT_TRUE(validateHostRequest(r).has_value()) << uri;
  }
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
    auto result = validateHostRequest(r);
    ASSERT_FALSE(result.has_value()) << c.field;
    EXPECT_EQ(result.error().code, "host_invalid");
    EXPECT_TRUE(result.error().message.starts_with(c.field + ":")) << result.error().message;
  }
}

}  // namespace
}  // namespace stele::scheduler
