/* A stand-in appliance for testing the image build without services/: it follows the
 * appliance contract (PID 1, mounts /proc /sys /dev, reads its config from QEMU fw_cfg,
 * configures its interface by ioctl, prints "stele-appliance: NAME ready", powers off on a
 * config error) and answers HTTP on one TCP port:
 *   GET /healthz  -> 200 "ok"
 *   GET /meminfo  -> 200 with /proc/meminfo (used by bench/images/boot.sh)
 *   anything else -> 404
 * Config lines (same shape as the appliances'):
 *   name NAME                      (default "testinit")
 *   interface eth0 A.B.C.D/LEN
 *   port N                         (default 80)
 * Built static by tests/images/boot_build_test_image.sh. Plain C: no allocation, no threads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_PATH "/sys/firmware/qemu_fw_cfg/by_name/opt/stele/config/raw"

static char g_name[64] = "testinit";

static void say(const char* text) {
  size_t len = strlen(text);
  while (len > 0) {
    ssize_t n = write(2, text, len);
    if (n <= 0) return;
    text += n;
    len -= (size_t)n;
  }
}

static void fatal(const char* reason) {
  char line[512];
  snprintf(line, sizeof line, "stele-appliance: %s fatal: %s (errno %d: %s)\n", g_name, reason,
           errno, strerror(errno));
  say(line);
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}

static ssize_t read_file(const char* path, char* buf, size_t size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  size_t used = 0;
  for (;;) {
    ssize_t n = read(fd, buf + used, size - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += (size_t)n;
    if (used == size - 1) break;
  }
  close(fd);
  buf[used] = '\0';
  return (ssize_t)used;
}

static void configure_interface(const char* ifname, const char* cidr) {
  char addr[32];
  const char* slash = strchr(cidr, '/');
  if (!slash || (size_t)(slash - cidr) >= sizeof addr)
    fatal("interface: address must be A.B.C.D/LEN");
  memcpy(addr, cidr, (size_t)(slash - cidr));
  addr[slash - cidr] = '\0';
  int prefix = atoi(slash + 1);
  if (prefix < 1 || prefix > 32) fatal("interface: bad prefix length");

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (strlen(ifname) >= sizeof ifr.ifr_name) fatal("interface: name too long");
  memcpy(ifr.ifr_name, ifname, strlen(ifname));
  struct sockaddr_in* sin = (struct sockaddr_in*)&ifr.ifr_addr;
  sin->sin_family = AF_INET;
  if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) fatal("interface: bad address");

  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) fatal("socket");
  /* Virtio devices may probe after PID 1 starts: wait up to 5 s for the interface. */
  for (int i = 0; ioctl(s, SIOCSIFADDR, &ifr) < 0; ++i) {
    if (errno != ENODEV || i >= 500) fatal("SIOCSIFADDR");
    usleep(10000);
  }
  sin->sin_addr.s_addr = prefix == 32 ? 0xffffffffu : htonl(~((1u << (32 - prefix)) - 1));
  if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0) fatal("SIOCSIFNETMASK");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fatal("SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fatal("SIOCSIFFLAGS");
  close(s);
}

static int load_config(void) {
  static char text[4096];
  int port = 80, have_interface = 0;
  if (read_file(CONFIG_PATH, text, sizeof text) < 0) fatal("no config at " CONFIG_PATH);
  char* save = NULL;
  for (char* line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char key[32], a[64], b[64];
    int n = sscanf(line, "%31s %63s %63s", key, a, b);
    if (n <= 0 || key[0] == '#') continue;
    if (strcmp(key, "name") == 0 && n == 2) {
      snprintf(g_name, sizeof g_name, "%s", a);
    } else if (strcmp(key, "port") == 0 && n == 2) {
      port = atoi(a);
      if (port < 1 || port > 65535) fatal("port: out of range");
    } else if (strcmp(key, "interface") == 0 && n == 3) {
      configure_interface(a, b);
      have_interface = 1;
    } else {
      errno = EINVAL;
      fatal("unknown config line");
    }
  }
  if (!have_interface) {
    errno = EINVAL;
    fatal("config has no interface line");
  }
  return port;
}

static void respond(int client) {
  char request[1024];
  ssize_t n = read(client, request, sizeof request - 1);
  if (n <= 0) return;
  request[n] = '\0';
  static char body[4096];
  const char* status = "404 Not Found";
  strcpy(body, "not found\n");
  if (strncmp(request, "GET /healthz ", 13) == 0) {
    status = "200 OK";
    strcpy(body, "ok\n");
  } else if (strncmp(request, "GET /meminfo ", 13) == 0) {
    status = "200 OK";
    if (read_file("/proc/meminfo", body, sizeof body) < 0) strcpy(body, "unreadable\n");
  }
  char head[160];
  int len = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, strlen(body));
  if (write(client, head, (size_t)len) < 0 || write(client, body, strlen(body)) < 0) return;
}

int main(void) {
  mkdir("/proc", 0755);
  mkdir("/sys", 0755);
  mkdir("/dev", 0755);
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  if (fcntl(2, F_GETFD) < 0) {
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    for (int i = 0; fd >= 0 && i <= 2; ++i)
      if (fcntl(i, F_GETFD) < 0) dup2(fd, i);
  }

  int port = load_config();
  int server = socket(AF_INET, SOCK_STREAM, 0);
  if (server < 0) fatal("socket");
  int one = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in bind_addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (bind(server, (struct sockaddr*)&bind_addr, sizeof bind_addr) < 0) fatal("bind");
  if (listen(server, 16) < 0) fatal("listen");

  char line[160];
  snprintf(line, sizeof line, "stele-appliance: %s ready\n", g_name);
  say(line);
  for (;;) {
    int client = accept(server, NULL, NULL);
    if (client < 0) continue;
    respond(client);
    close(client);
  }
}
