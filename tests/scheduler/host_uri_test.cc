// The host URI allow-list: what is accepted, what libvirt then receives, and every refusal
// naming the transport, parameter or part that was refused.
#include "scheduler/host_uri.h"

#include <gtest/gtest.h>

namespace stele::scheduler {
namespace {

HostUriPolicy policy() {
  HostUriPolicy p;
  p.socketDir = "/run/libvirt";
  p.testHostsDir = "/srv/hosts";
  p.sshKeyFile = "/etc/stele/ssh/id_ed25519";
  p.sshKnownHostsFile = "/etc/stele/ssh/known_hosts";
  p.tlsPkiDir = "/etc/stele/pki";
  return p;
}

TEST(HostUri, AcceptedUrisBuildTheirCanonicalFormAndTheLibvirtFormWithServerFiles) {
  struct Case {
    std::string input;
    std::string canonical;
    std::string libvirt;
  };
  std::vector<Case> cases = {
      {"qemu:///system", "qemu:///system", "qemu:///system"},
      {"qemu+unix:///system?socket=/run/libvirt/virtqemud-sock",
       "qemu+unix:///system?socket=/run/libvirt/virtqemud-sock",
       "qemu+unix:///system?socket=/run/libvirt/virtqemud-sock"},
      {"qemu+ssh://kvm-1/system", "qemu+ssh://kvm-1/system",
       "qemu+ssh://kvm-1/system?keyfile=/etc/stele/ssh/id_ed25519&known_hosts=/etc/stele/ssh/"
       "known_hosts"},
      {"qemu+ssh://root@kvm-1.example.org:2222/system",
       "qemu+ssh://root@kvm-1.example.org:2222/system",
       "qemu+ssh://root@kvm-1.example.org:2222/system?keyfile=/etc/stele/ssh/"
       "id_ed25519&known_hosts=/etc/stele/ssh/known_hosts"},
      {"qemu+ssh://stele_ops.2@192.168.0.1:1/system", "qemu+ssh://stele_ops.2@192.168.0.1:1/system",
       "qemu+ssh://stele_ops.2@192.168.0.1:1/system?keyfile=/etc/stele/ssh/"
       "id_ed25519&known_hosts=/etc/stele/ssh/known_hosts"},
      {"qemu+tls://KVM-2.Example/system", "qemu+tls://KVM-2.Example/system",
       "qemu+tls://KVM-2.Example/system?pkipath=/etc/stele/pki"},
      {"qemu+tls://10.0.0.255:65535/system", "qemu+tls://10.0.0.255:65535/system",
       "qemu+tls://10.0.0.255:65535/system?pkipath=/etc/stele/pki"},
      {"test:///srv/hosts/small.xml", "test:///srv/hosts/small.xml", "test:///srv/hosts/small.xml"},
      {"test:///srv/hosts/a/b-c_d.e~f.xml", "test:///srv/hosts/a/b-c_d.e~f.xml",
       "test:///srv/hosts/a/b-c_d.e~f.xml"},
  };
  HostUriPolicy p = policy();
  for (const auto& c : cases) {
    auto parsed = parseHostUri(c.input, p);
    ASSERT_TRUE(parsed) << c.input << ": " << parsed.error().message;
    EXPECT_EQ(buildHostUri(*parsed), c.canonical);
    EXPECT_EQ(buildHostUri(*parsed, &p), c.libvirt);
    auto again = parseHostUri(buildHostUri(*parsed), p);
    ASSERT_TRUE(again) << "the canonical form parses again: " << again.error().message;
    EXPECT_EQ(buildHostUri(*again), c.canonical);
  }
}

TEST(HostUri, WithoutServerFilesTheRemoteUrisCarryNoParameters) {
  HostUriPolicy p;  // no --ssh-key, --ssh-known-hosts, --tls-pki-dir
  auto ssh = parseHostUri("qemu+ssh://u@h/system", p);
  ASSERT_TRUE(ssh) << ssh.error().message;
  EXPECT_EQ(buildHostUri(*ssh, &p), "qemu+ssh://u@h/system");
  auto tls = parseHostUri("qemu+tls://h:16514/system", p);
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_EQ(buildHostUri(*tls, &p), "qemu+tls://h:16514/system");
}

TEST(HostUri, TheBuilderEncodesOddCharactersInTypedParts) {
  HostUriPolicy p = policy();
  p.sshKeyFile = "/k&command=/x";  // never accepted by validateHostUriPolicy; built safely anyway
  HostUri uri{HostTransport::Ssh, "", "h", std::nullopt, "", ""};
  EXPECT_EQ(buildHostUri(uri, &p),
            "qemu+ssh://h/system?keyfile=/k%26command%3D/x&known_hosts=/etc/stele/ssh/known_hosts");
}

struct Refusal {
  std::string input;
  std::string mentions;  // the refusal's message names this
};

void expectRefused(const std::vector<Refusal>& cases, const HostUriPolicy& p) {
  for (const auto& c : cases) {
    auto parsed = parseHostUri(c.input, p);
    ASSERT_FALSE(parsed) << c.input << " was accepted as " << buildHostUri(*parsed);
    EXPECT_EQ(parsed.error().code, "host_invalid") << c.input;
    EXPECT_EQ(parsed.error().kind, ErrorKind::InvalidArgument) << c.input;
    EXPECT_TRUE(parsed.error().message.starts_with("uri: ")) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find(c.mentions), std::string::npos)
        << c.input << " -> " << parsed.error().message;
  }
}

TEST(HostUri, RefusesEveryOtherTransportNamingIt) {
  expectRefused({{"qemu+ext:///system?command=/tmp/x", "'qemu+ext'"},
                 {"qemu+tcp://h/system", "'qemu+tcp'"},
                 {"qemu+libssh://h/system", "'qemu+libssh'"},
                 {"qemu+libssh2://h/system", "'qemu+libssh2'"},
                 {"qemu+ssh+ext://h/system", "'qemu+ssh+ext'"},
                 {"xen:///system", "'xen'"},
                 {"lxc:///", "'lxc'"},
                 {"esx://h/", "'esx'"},
                 {"vbox:///session", "'vbox'"},
                 {"ch:///system", "'ch'"},
                 {"QEMU:///system", "'QEMU'"},
                 {"Qemu+SSH://h/system", "'Qemu+SSH'"},
                 {"test+ext:///srv/hosts/a.xml", "'test+ext'"},
                 {"http://elsewhere", "'http'"},
                 {"://h/system", "''"},
                 {"qemu:/system", "TRANSPORT://"},
                 {"/srv/hosts/small.xml", "TRANSPORT://"},
                 {"", "TRANSPORT://"}},
                policy());
}

TEST(HostUri, RefusesEveryQueryParameterButTheUnixSocketNamingIt) {
  expectRefused({{"qemu+ssh://localhost/system?command=/tmp/x/marker.sh", "'command'"},
                 {"qemu+ssh://localhost/system?netcat=/tmp/x/marker.sh", "'netcat'"},
                 {"qemu+ssh://localhost/system?keyfile=/root/.ssh/id_rsa", "'keyfile'"},
                 {"qemu+ssh://localhost/system?known_hosts=/etc/shadow", "'known_hosts'"},
                 {"qemu+ssh://localhost/system?known_hosts_verify=ignore", "'known_hosts_verify'"},
                 {"qemu+ssh://localhost/system?no_verify=1", "'no_verify'"},
                 {"qemu+ssh://localhost/system?proxy=native", "'proxy'"},
                 {"qemu+ssh://localhost/system?socket=/run/libvirt/sock", "'socket'"},
                 {"qemu+tls://h/system?pkipath=/tmp/evil", "'pkipath'"},
                 {"qemu+tls://h/system?no_verify=1", "'no_verify'"},
                 {"qemu+tls://h/system?tls_priority=NONE", "'tls_priority'"},
                 {"qemu:///system?command=/bin/sh", "'command'"},
                 {"qemu:///system?mode=legacy", "'mode'"},
                 {"qemu+unix:///system?socket=/run/libvirt/s&command=/bin/sh", "'command'"},
                 {"qemu+unix:///system?socket=/run/libvirt/s&mode=direct", "'mode'"},
                 {"qemu+unix:///system?name=qemu:///session&socket=/run/libvirt/s", "'name'"},
                 {"test:///srv/hosts/a.xml?command=/bin/sh", "'command'"},
                 {"qemu+ssh://h/system?", "empty query"},
                 {"qemu+ssh://h/system?&command=x", "empty query parameter"},
                 {"qemu+ssh://h/system?=x", "''"},
                 {"qemu+ssh://h/system#frag", "fragment"}},
                policy());
}

TEST(HostUri, RefusesPercentEncodedAndDoubledParameters) {
  expectRefused({{"qemu+ssh://h/system?%63ommand=/tmp/x", "percent-encoding"},
                 {"qemu+ssh://h/system?command%3D/tmp/x", "percent-encoding"},
                 {"qemu+unix:///system?socket=/run/libvirt/%2e%2e/x", "percent-encoding"},
                 {"qemu+unix:///system?socket%3D/run/libvirt/s", "percent-encoding"},
                 {"qemu+ssh://h%40evil/system", "percent-encoding"},
                 {"test:///srv/hosts/%2e%2e/etc/passwd.xml", "percent-encoding"},
                 {"qemu+unix:///system?socket=/run/libvirt/a&socket=/run/libvirt/b", "given twice"},
                 {"qemu+unix:///system?socket=/run/libvirt/a&socket=/run/libvirt/a", "given twice"},
                 {"qemu+unix:///system?socket=/run/libvirt/a;command=/bin/sh", "';'"},
                 {"qemu+ssh://h/system;command=/bin/sh", "';'"},
                 {"qemu+unix:///system?socket", "needs a value"},
                 {"qemu+unix:///system", "needs ?socket=PATH"}},
                policy());
}

TEST(HostUri, RefusesUserInfoAndPortEdgeCases) {
  expectRefused({{"qemu+ssh://@h/system", "empty user"},
                 {"qemu+ssh://root:secret@h/system", "password"},
                 {"qemu+ssh://root:@h/system", "password"},
                 {"qemu+ssh://a@b@h/system", "user"},
                 {"qemu+ssh://-oProxyCommand=x@h/system", "user"},
                 {"qemu+ssh://" + std::string(33, 'u') + "@h/system", "user"},
                 {"qemu+ssh://r$oot@h/system", "user"},
                 {"qemu+tls://root@h/system", "only accepted for qemu+ssh"},
                 {"qemu+ssh://h:/system", "port"},
                 {"qemu+ssh://h:0/system", "port"},
                 {"qemu+ssh://h:022/system", "port"},
                 {"qemu+ssh://h:65536/system", "port"},
                 {"qemu+ssh://h:99999999999/system", "port"},
                 {"qemu+ssh://h:22:22/system", "port"},
                 {"qemu+ssh://h:-1/system", "port"},
                 {"qemu+ssh://h:+22/system", "port"},
                 {"qemu+tls://h:ssh/system", "port"},
                 {"qemu+ssh://h:22@evil/system", "password"}},
                policy());
}

TEST(HostUri, RefusesHostsThatAreNotNamesOrIpv4) {
  expectRefused({{"qemu+ssh:///system", "host is required"},
                 {"qemu+tls://:16514/system", "RFC 1123"},
                 {"qemu+ssh://-oProxyCommand=x/system", "RFC 1123"},
                 {"qemu+ssh://h-/system", "RFC 1123"},
                 {"qemu+ssh://h..example/system", "RFC 1123"},
                 {"qemu+ssh://.h/system", "RFC 1123"},
                 {"qemu+ssh://h./system", "RFC 1123"},
                 {"qemu+ssh://h_1/system", "RFC 1123"},
                 {"qemu+ssh://" + std::string(64, 'a') + "/system", "RFC 1123"},
                 {"qemu+ssh://" + std::string(254, 'a') + "/system", "RFC 1123"},
                 {"qemu+ssh://256.1.1.1/system", "RFC 1123"},
                 {"qemu+ssh://1.2.3/system", "RFC 1123"},
                 {"qemu+ssh://01.2.3.4/system", "RFC 1123"},
                 {"qemu+ssh://1.2.3.4.5/system", "RFC 1123"},
                 {"qemu+ssh://[::1]/system", "IPv6"},
                 {"qemu+ssh://h$(id)/system", "RFC 1123"},
                 {"qemu://h/system", "local transport"},
                 {"qemu+unix://h/system?socket=/run/libvirt/s", "local transport"},
                 {"test://h/srv/hosts/a.xml", "local transport"}},
                policy());
}

TEST(HostUri, RefusesOtherPathsThanSystem) {
  expectRefused({{"qemu:///session", "/session"},
                 {"qemu+ssh://h/session", "/session"},
                 {"qemu:///", "/system"},
                 {"qemu://", "/system"},
                 {"qemu+ssh://h", "/system"},
                 {"qemu+ssh://h/system/", "/system"},
                 {"qemu+tls://h/embed", "/system"},
                 {"qemu:///embed?root=/tmp/x", "'root'"}},
                policy());
}

TEST(HostUri, RefusesControlCharactersSpacesAndLongUris) {
  expectRefused({{"qemu:///system\n<x/>", "control characters"},
                 {std::string("qemu:///sys\0tem", 15), "control characters"},
                 {"qemu:///system extra", "control characters"},
                 {"qemu:///system\t", "control characters"},
                 {"qemu:///system\x7f", "control characters"},
                 {"qemu+ssh://h\xc3\xa9/system", "non-ASCII"},
                 {"qemu+ssh://h/system?x=" + std::string(600, 'a'), "512"}},
                policy());
}

TEST(HostUri, RefusesSocketPathsOutsideTheSocketDirectory) {
  expectRefused({{"qemu+unix:///system?socket=/tmp/sock", "below /run/libvirt"},
                 {"qemu+unix:///system?socket=/run/libvirt", "below /run/libvirt"},
                 {"qemu+unix:///system?socket=/run/libvirt-evil/sock", "below /run/libvirt"},
                 {"qemu+unix:///system?socket=/run/libvirt/../sock", "'..'"},
                 {"qemu+unix:///system?socket=/run/libvirt/./sock", "'..'"},
                 {"qemu+unix:///system?socket=/run/libvirt//sock", "'..'"},
                 {"qemu+unix:///system?socket=/run/libvirt/sock/", "'..'"},
                 {"qemu+unix:///system?socket=run/libvirt/sock", "absolute"},
                 {"qemu+unix:///system?socket=", "absolute"},
                 {"qemu+unix:///system?socket=/run/libvirt/s=ock", "character"},
                 {"qemu+unix:///system?socket=/run/libvirt/s+ock", "character"},
                 {"qemu+unix:///system?socket=/run/libvirt/s?ock", "character"}},
                policy());
}

TEST(HostUri, RefusesTestHostsWithoutTheFlagAndOutsideTheirDirectory) {
  HostUriPolicy off = policy();
  off.testHostsDir.clear();
  expectRefused({{"test:///srv/hosts/small.xml", "--allow-test-hosts"},
                 {"test:///default", "--allow-test-hosts"}},
                off);
  expectRefused({{"test:///default", ".xml"},
                 {"test:///etc/passwd", ".xml"},
                 {"test:///srv/hosts/a.xml.bak", ".xml"},
                 {"test:///tmp/evil.xml", "below /srv/hosts"},
                 {"test:///srv/hosts-evil/a.xml", "below /srv/hosts"},
                 {"test:///srv/hosts/../../etc/passwd.xml", "'..'"},
                 {"test:///srv/hosts/./a.xml", "'..'"},
                 {"test:///srv/hosts//a.xml", "'..'"},
                 {"test://srv/hosts/a.xml", "local transport"},
                 {"test:///srv/hosts/a b.xml", "spaces"},
                 {"test:///srv/hosts/a+b.xml", "character"},
                 {"test:///srv/hosts/a=b.xml", "character"}},
                policy());
}

TEST(HostUri, PolicyPathsMustBeAbsoluteNormalisedAndUriSafe) {
  EXPECT_TRUE(validateHostUriPolicy(policy()));
  EXPECT_TRUE(validateHostUriPolicy(HostUriPolicy{}));
  struct Case {
    std::function<void(HostUriPolicy&)> change;
    std::string flag;
  };
  std::vector<Case> cases = {
      {[](auto& p) { p.socketDir = ""; }, "--host-socket-dir"},
      {[](auto& p) { p.socketDir = "run/libvirt"; }, "--host-socket-dir"},
      {[](auto& p) { p.testHostsDir = "/srv/../etc"; }, "--allow-test-hosts"},
      {[](auto& p) { p.sshKeyFile = "/k&command=/x"; }, "--ssh-key"},
      {[](auto& p) { p.sshKnownHostsFile = "/k h"; }, "--ssh-known-hosts"},
      {[](auto& p) { p.tlsPkiDir = "/pki/"; }, "--tls-pki-dir"},
  };
  for (const auto& c : cases) {
    HostUriPolicy p = policy();
    c.change(p);
    auto r = validateHostUriPolicy(p);
    ASSERT_FALSE(r) << c.flag;
    EXPECT_TRUE(r.error().message.starts_with(c.flag)) << r.error().message;
  }
}

}  // namespace
}  // namespace stele::scheduler
