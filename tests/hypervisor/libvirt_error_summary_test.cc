#include "hypervisor/libvirt_error_summary.h"

#include <gtest/gtest.h>
#include <libvirt/virterror.h>

namespace stele::hypervisor {
namespace {

TEST(LibvirtErrorSummary, NamesTheErrorClassAndNumberOnly) {
  EXPECT_EQ(libvirtErrorSummary("connection failed", VIR_FROM_XML, VIR_ERR_XML_ERROR),
            "connection failed: libvirt error class XML (code 27)");
  EXPECT_EQ(libvirtErrorSummary("connection failed", VIR_FROM_RPC, VIR_ERR_SYSTEM_ERROR),
            "connection failed: libvirt error class RPC (code 38)");
  EXPECT_EQ(libvirtErrorSummary("connection failed", VIR_FROM_TEST, VIR_ERR_INTERNAL_ERROR),
            "connection failed: libvirt error class TEST (code 1)");
}

TEST(LibvirtErrorSummary, AnUnknownClassIsShownAsItsNumber) {
  EXPECT_EQ(libvirtErrorSummary("listing failed", 9999, 1),
            "listing failed: libvirt error class 9999 (code 1)");
}

}  // namespace
}  // namespace stele::hypervisor
