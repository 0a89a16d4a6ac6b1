#include "hypervisor/libvirt_error_summary.h"

#include <gtest/gtest.h>
#include <libvirt/virterror.h>

namespace stele::hypervisor {
namespace {

TEST(LibvirtErrorSummary, NamesOurPhraseTheErrorClassAndNumberOnly) {
  EXPECT_EQ(libvirtErrorSummary("connection failed", VIR_FROM_XML, VIR_ERR_XML_ERROR),
            "connection failed: XML error (libvirt error class XML, code 27)");
  EXPECT_EQ(libvirtErrorSummary("connection failed", VIR_FROM_RPC, VIR_ERR_SYSTEM_ERROR),
            "connection failed: system error on the host (libvirt error class RPC, code 38)");
  EXPECT_EQ(libvirtErrorSummary("start domain stele-web-1", VIR_FROM_NETWORK, VIR_ERR_NO_NETWORK),
            "start domain stele-web-1: network not found (libvirt error class NETWORK, code 43)");
  EXPECT_EQ(libvirtErrorSummary("connection failed", VIR_FROM_TEST, VIR_ERR_INTERNAL_ERROR),
            "connection failed: internal error on the host (libvirt error class TEST, code 1)");
}

TEST(LibvirtErrorSummary, AnUnknownClassIsShownAsItsNumberAndAnUnnamedCodeAsLibvirtError) {
  EXPECT_EQ(libvirtErrorSummary("listing failed", 9999, 1),
            "listing failed: internal error on the host (libvirt error class 9999, code 1)");
  EXPECT_EQ(libvirtErrorSummary("listing failed", VIR_FROM_QEMU, VIR_ERR_NO_XEN),
            "listing failed: libvirt error (libvirt error class QEMU, code 14)");
}

}  // namespace
}  // namespace stele::hypervisor
