#include "hypervisor/domain_xml.h"

#include "hypervisor/mac_address.h"
#include "hypervisor/spec_validation.h"
#include "hypervisor/stele_metadata.h"
#include "hypervisor/xml_writer.h"

namespace stele::hypervisor {

namespace {

Result<void> validatePaths(const DomainSpec& spec, const InstancePaths& paths) {
  auto bad = [](const std::string& what) {
    return fail(ErrorKind::InvalidArgument, "invalid_instance_paths",
                what + " must be an absolute path without control characters or . / ..");
  };
  if (!isValidAbsolutePath(paths.kernel)) return bad("kernel copy path");
  if (!isValidAbsolutePath(paths.consoleLog)) return bad("console log path");
  if (spec.initrdPath.has_value() != paths.initrd.has_value()) {
    return fail(ErrorKind::Internal, "instance_paths_mismatch",
                "initrd path given for one of spec/paths only");
  }
  if (spec.config.has_value() != paths.config.has_value()) {
    return fail(ErrorKind::Internal, "instance_paths_mismatch",
                "config path given for one of spec/paths only");
  }
  if (paths.initrd && !isValidAbsolutePath(*paths.initrd)) return bad("initrd copy path");
  if (paths.config && !isValidAbsolutePath(*paths.config)) return bad("config path");
  return {};
}

}  // namespace

Result<std::string> buildDomainXml(const DomainSpec& spec, const InstancePaths& paths,
                                   Acceleration acceleration, const std::string& firmware) {
  if (auto ok = validateDomainSpec(spec); !ok) return fail(ok.error());
  if (auto ok = validatePaths(spec, paths); !ok) return fail(ok.error());
  if (!firmware.empty() && !isValidAbsolutePath(firmware)) {
    return fail(ErrorKind::InvalidArgument, "invalid_firmware_path",
                "firmware must be an absolute path without control characters or . / ..");
  }

  const std::string memory = std::to_string(spec.memoryMiB);
  const std::string vcpus = std::to_string(spec.vcpus);
  const std::string metadataTag = std::string(kSteleMetadataPrefix) + ":instance";
  const std::string metadataXmlns = "xmlns:" + std::string(kSteleMetadataPrefix);

  XmlWriter xml;
  xml.open("domain", {{"type", acceleration == Acceleration::Kvm ? "kvm" : "qemu"}});
  xml.leaf("name", spec.name);
  xml.open("metadata")
      .empty(metadataTag, {{metadataXmlns, kSteleMetadataNamespace},
                           {"id", spec.instanceId},
                           {"deployment", spec.deployment},
                           {"revision", spec.revision},
                           {"image-digest", spec.imageDigest}})
      .close();
  xml.leaf("memory", memory, {{"unit", "MiB"}});
  xml.leaf("vcpu", vcpus);

  xml.open("sysinfo", {{"type", "smbios"}})
      .open("system")
      .leaf("entry", "Stele", {{"name", "manufacturer"}})
      .leaf("entry", "stele-instance", {{"name", "product"}})
      .leaf("entry", spec.instanceId, {{"name", "serial"}})
      .close()
      .close();
  if (paths.config) {
    xml.open("sysinfo", {{"type", "fwcfg"}})
        .empty("entry", {{"name", kFwCfgConfigEntry}, {"file", *paths.config}})
        .close();
  }

  xml.open("os").leaf("type", "hvm", {{"arch", "x86_64"}});
  if (!firmware.empty()) xml.leaf("loader", firmware, {{"type", "rom"}});
  xml.leaf("kernel", paths.kernel);
  if (paths.initrd) xml.leaf("initrd", *paths.initrd);
  xml.leaf("cmdline", spec.cmdline).empty("smbios", {{"mode", "sysinfo"}}).close();

  xml.open("features").empty("acpi").close();
  xml.empty("clock", {{"offset", "utc"}});
  xml.leaf("on_poweroff", "destroy").leaf("on_reboot", "restart").leaf("on_crash", "destroy");

  xml.open("devices");
  for (std::size_t i = 0; i < spec.networks.size(); ++i) {
    const std::string mac = macAddressFor(spec.instanceId, i);
    xml.open("interface", {{"type", "network"}})
        .empty("source", {{"network", spec.networks[i]}})
        .empty("mac", {{"address", mac}})
        .empty("model", {{"type", "virtio"}})
        .close();
  }
  xml.open("serial", {{"type", "file"}})
      .empty("source", {{"path", paths.consoleLog}})
      .empty("target", {{"port", "0"}})
      .close();
  xml.empty("controller", {{"type", "usb"}, {"model", "none"}});
  xml.empty("memballoon", {{"model", "none"}});
  xml.close();  // devices
  xml.close();  // domain
  return xml.finish();
}

}  // namespace stele::hypervisor
