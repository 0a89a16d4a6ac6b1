#include "hypervisor/xml_writer.h"

#include <cassert>

namespace stele::hypervisor {

namespace {

[[maybe_unused]] bool isXmlName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool appendEscapedXml(std::string& out, std::string_view value) {
  bool representable = true;
  for (char c : value) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          representable = false;
        } else {
          out += c;
        }
    }
  }
  return representable;
}

void XmlWriter::indent() { out_.append(open_.size() * 2, ' '); }

void XmlWriter::startTag(std::string_view name, std::initializer_list<XmlAttribute> attributes) {
  assert(isXmlName(name));
  indent();
  out_ += '<';
  out_ += name;
  for (const auto& [key, value] : attributes) {
    assert(isXmlName(key));
    out_ += ' ';
    out_ += key;
    out_ += "='";
    if (!appendEscapedXml(out_, value)) invalid_ = true;
    out_ += '\'';
  }
}

XmlWriter& XmlWriter::open(std::string_view name, std::initializer_list<XmlAttribute> attributes) {
  startTag(name, attributes);
  out_ += ">\n";
  open_.emplace_back(name);
  return *this;
}

XmlWriter& XmlWriter::empty(std::string_view name, std::initializer_list<XmlAttribute> attributes) {
  startTag(name, attributes);
  out_ += "/>\n";
  return *this;
}

XmlWriter& XmlWriter::leaf(std::string_view name, std::string_view text,
                           std::initializer_list<XmlAttribute> attributes) {
  startTag(name, attributes);
  out_ += '>';
  if (!appendEscapedXml(out_, text)) invalid_ = true;
  out_ += "</";
  out_ += name;
  out_ += ">\n";
  return *this;
}

XmlWriter& XmlWriter::close() {
  assert(!open_.empty());
  std::string name = std::move(open_.back());
  open_.pop_back();
  indent();
  out_ += "</" + name + ">\n";
  return *this;
}

Result<std::string> XmlWriter::finish() {
  if (invalid_) {
    return fail(ErrorKind::InvalidArgument, "xml_unrepresentable_value",
                "a value holds a control character XML cannot carry");
  }
  if (!open_.empty()) {
    return fail(ErrorKind::Internal, "xml_unclosed_element",
                "element <" + open_.back() + "> left open");
  }
  return std::move(out_);
}

}  // namespace stele::hypervisor
