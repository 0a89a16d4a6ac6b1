/* The whole userland of the e2e test guest: /init of a tiny initramfs booted with Debian's
 * kernel. Loads the virtio modules shipped in /modules (in file-name order), sets eth0's address
 * from the kernel command line (stele_ip=A.B.C.D/N), and answers every TCP connection on
 * stele_port=N with "stele-guest ok\n". Built static, so it needs nothing else in the image. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char* message) {
  printf("stele-guest: %s\n", message);
  fflush(stdout);
}

static void loadModules(void) {
  struct dirent** entries = NULL;
  int count = scandir("/modules", &entries, NULL, alphasort);
  for (int i = 0; i < count; ++i) {
    char path[512];
    if (entries[i]->d_name[0] != '.') {
      snprintf(path, sizeof path, "/modules/%s", entries[i]->d_name);
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) {
          printf("stele-guest: loading %s failed: %s\n", path, strerror(errno));
        }
        close(fd);
      }
    }
    free(entries[i]);
  }
  free(entries);
}

static int cmdlineValue(const char* key, char* out, size_t size) {
  char cmdline[4096] = {0};
  int fd = open("/proc/cmdline", O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
  close(fd);
  if (n <= 0) return -1;
  size_t keylen = strlen(key);
  for (char* token = strtok(cmdline, " \n"); token; token = strtok(NULL, " \n")) {
    if (strncmp(token, key, keylen) == 0 && token[keylen] == '=') {
      snprintf(out, size, "%s", token + keylen + 1);
      return 0;
    }
  }
  return -1;
}

static int setFlagsUp(int sock, const char* name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) return -1;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

static int configure(const char* name, const char* cidr) {
  char address[64];
  snprintf(address, sizeof address, "%s", cidr);
  int prefix = 24;
  char* slash = strchr(address, '/');
  if (slash) {
    *slash = '\0';
    prefix = atoi(slash + 1);
  }
  int sock = socket(AF_INET, SOCK_DGRAM, 0);
  if (sock < 0) return -1;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
  struct sockaddr_in* sin = (struct sockaddr_in*)&ifr.ifr_addr;
  sin->sin_family = AF_INET;
  if (inet_pton(AF_INET, address, &sin->sin_addr) != 1 || ioctl(sock, SIOCSIFADDR, &ifr) != 0) {
    close(sock);
    return -1;
  }
  sin->sin_addr.s_addr = prefix == 0 ? 0 : htonl(0xffffffffu << (32 - prefix));
  if (ioctl(sock, SIOCSIFNETMASK, &ifr) != 0 || setFlagsUp(sock, name) != 0) {
    close(sock);
    return -1;
  }
  setFlagsUp(sock, "lo");
  close(sock);
  return 0;
}

int main(void) {
  mkdir("/proc", 0555);
  mount("proc", "/proc", "proc", 0, NULL);
  say("init started");
  loadModules();

  char cidr[64] = "";
  char port_text[16] = "7070";
  cmdlineValue("stele_port", port_text, sizeof port_text);
  if (cmdlineValue("stele_ip", cidr, sizeof cidr) == 0) {
    int configured = -1;
    for (int attempt = 0; attempt < 300 && configured != 0; ++attempt) {
      if (if_nametoindex("eth0") != 0) configured = configure("eth0", cidr);
      if (configured != 0) usleep(100 * 1000);
    }
    say(configured == 0 ? "eth0 configured" : "eth0 not configured");
  }

  int server = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in any;
  memset(&any, 0, sizeof any);
  any.sin_family = AF_INET;
  any.sin_port = htons((unsigned short)atoi(port_text));
  if (bind(server, (struct sockaddr*)&any, sizeof any) != 0 || listen(server, 16) != 0) {
    say("listen failed");
  } else {
    printf("stele-guest: listening on port %s\n", port_text);
    fflush(stdout);
  }
  for (;;) {
    int client = accept(server, NULL, NULL);
    if (client < 0) {
      sleep(1);
      continue;
    }
    static const char reply[] = "stele-guest ok\n";
    ssize_t ignored = write(client, reply, sizeof reply - 1);
    (void)ignored;
    close(client);
  }
}
