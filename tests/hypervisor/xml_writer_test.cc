#include "hypervisor/xml_writer.h"

#include <gtest/gtest.h>

namespace stele::hypervisor {
namespace {

TEST(XmlWriter, EscapesAttributesAndText) {
  XmlWriter xml;
  xml.leaf("a", "<&>'\"", {{"v", "x'y\"<z>&"}});
  auto out = xml.finish();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "<a v='x&apos;y&quot;&lt;z&gt;&amp;'>&lt;&amp;&gt;&apos;&quot;</a>\n");
}

TEST(XmlWriter, EncodesNewlineAsCharacterReference) {
  XmlWriter xml;
  xml.empty("a", {{"v", "1\n2"}});
  EXPECT_EQ(*xml.finish(), "<a v='1&#10;2'/>\n");
}

TEST(XmlWriter, FailsOnControlCharacterInsteadOfDroppingIt) {
  XmlWriter xml;
  xml.leaf("a", std::string("x\x01y"));
  auto out = xml.finish();
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, "xml_unrepresentable_value");
}

TEST(XmlWriter, FailsWhenAnElementIsLeftOpen) {
  XmlWriter xml;
  xml.open("a");
  EXPECT_FALSE(xml.finish().has_value());
}

}  // namespace
}  // namespace stele::hypervisor
