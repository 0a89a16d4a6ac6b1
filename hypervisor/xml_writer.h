// A tiny XML writer: element names are our literals; every attribute and text value is escaped.
// Values XML 1.0 cannot carry (control characters other than tab/newline/CR) make finish()
// fail instead of being dropped silently.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace stele::hypervisor {

using XmlAttribute = std::pair<std::string_view, std::string_view>;

// Escapes & < > ' " and tab/newline/CR as character references. Returns false if `value`
// holds a character XML 1.0 cannot represent.
bool appendEscapedXml(std::string& out, std::string_view value);

class XmlWriter {
 public:
  XmlWriter& open(std::string_view name, std::initializer_list<XmlAttribute> attributes = {});
  XmlWriter& empty(std::string_view name, std::initializer_list<XmlAttribute> attributes = {});
  XmlWriter& leaf(std::string_view name, std::string_view text,
                  std::initializer_list<XmlAttribute> attributes = {});
  XmlWriter& close();
  // The document, or an error if a value was unrepresentable or elements are left open.
  Result<std::string> finish();

 private:
  void startTag(std::string_view name, std::initializer_list<XmlAttribute> attributes);
  void indent();

  std::string out_;
  std::vector<std::string> open_;
  bool invalid_ = false;
};

}  // namespace stele::hypervisor
