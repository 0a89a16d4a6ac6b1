#include "scheduler/health/probe_loop.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <queue>
#include <random>
#include <vector>

#include "scheduler/health/http_probe_message.h"

namespace stele::scheduler::health {

namespace {

constexpr std::uint64_t kWakeToken = ~std::uint64_t{0};
constexpr std::size_t kStatusBytes = 64;  // the status line is enough; the rest is not read

std::int64_t monotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string errnoDetail(const char* what, int error) {
  switch (error) {
    case ECONNREFUSED:
      return std::string(what) + " refused";
    case ECONNRESET:
      return std::string(what) + " reset";
    case ENETUNREACH:
      return std::string(what) + " network unreachable";
    case EHOSTUNREACH:
      return std::string(what) + " host unreachable";
    case ETIMEDOUT:
      return std::string(what) + " timed out";
    case EPIPE:
      return std::string(what) + " closed";
  }
  return std::string(what) + " error " + std::to_string(error);
}

// A failure of ours, not of the instance: out of descriptors, ports or memory.
bool isLocalShortage(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM ||
         error == EADDRNOTAVAIL;
}

}  // namespace

struct ProbeLoop::Active {
  ProbeJob job;
  int fd = -1;
  std::uint32_t generation = 0;
  bool busy = false;
  enum class Phase { Connecting, Sending, Reading } phase = Phase::Connecting;
  std::size_t sent = 0;
  std::string received;
  std::int64_t startUs = 0;
};

// The loop's state, owned by its thread alone.
class ProbeLoop::Engine {
 public:
  Engine(int epollFd, std::size_t maxInFlight)
      : epoll_(epollFd), maxInFlight_(maxInFlight), random_(std::random_device{}()) {}

  bool idle() const { return active_ == 0 && waiting_.empty(); }
  void accept(std::deque<ProbeJob>& jobs) {
    for (auto& job : jobs) waiting_.push_back(std::move(job));
    jobs.clear();
  }
  void startWaiting() {
    while (active_ < maxInFlight_ && !waiting_.empty()) {
      ProbeJob job = std::move(waiting_.front());
      waiting_.pop_front();
      start(std::move(job));
    }
  }
  // Milliseconds until the next deadline (-1: none).
  int waitMs() {
    while (!deadlines_.empty() && !current(deadlines_.top())) deadlines_.pop();
    if (deadlines_.empty()) return -1;
    std::int64_t us = deadlines_.top().atUs - monotonicUs();
    return us <= 0 ? 0 : static_cast<int>((us + 999) / 1000);
  }
  void expire() {
    std::int64_t now = monotonicUs();
    while (!deadlines_.empty() && deadlines_.top().atUs <= now) {
      Deadline d = deadlines_.top();
      deadlines_.pop();
      if (!current(d)) continue;
      Active& a = slots_[d.slot];
      finish(d.slot, false, "timeout after " + std::to_string(a.job.timeoutMs) + " ms", false);
    }
  }
  void onEvent(std::uint64_t token, std::uint32_t events) {
    std::uint32_t slot = static_cast<std::uint32_t>(token & 0xffffffffu);
    if (slot >= slots_.size()) return;
    Active& a = slots_[slot];
    if (!a.busy || a.generation != static_cast<std::uint32_t>(token >> 32)) return;
    if (a.job.kind == ProbeJob::Kind::Dns)
      readDns(slot);
    else
      driveTcp(slot, events);
  }
  void failEverything(const std::string& detail) {
    for (std::uint32_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].busy) finish(i, false, detail, true);
    while (!waiting_.empty()) {
      ProbeJob job = std::move(waiting_.front());
      waiting_.pop_front();
      job.done({job.key, false, detail, 0, true});
    }
  }

 private:
  struct Deadline {
    std::int64_t atUs;
    std::uint32_t slot, generation;
    bool operator>(const Deadline& other) const { return atUs > other.atUs; }
  };
  bool current(const Deadline& d) const {
    return slots_[d.slot].busy && slots_[d.slot].generation == d.generation;
  }

  std::uint32_t takeSlot() {
    if (free_.empty()) {
      slots_.emplace_back();
      return static_cast<std::uint32_t>(slots_.size() - 1);
    }
    std::uint32_t slot = free_.back();
    free_.pop_back();
    return slot;
  }

  void start(ProbeJob job) {
    std::uint32_t slot = takeSlot();
    Active& a = slots_[slot];
    a.job = std::move(job);
    a.busy = true;
    a.phase = Active::Phase::Connecting;
    a.sent = 0;
    a.received.clear();
    a.startUs = monotonicUs();
    ++active_;
    bool udp = a.job.kind == ProbeJob::Kind::Dns;
    a.fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (a.fd < 0) {
      int error = errno;
      finish(slot, false, "prober: no socket (" + std::string(strerror(error)) + ")", true);
      return;
    }
    if (udp) {
      std::uint16_t id = static_cast<std::uint16_t>(random_());
      a.job.dns.id = id;
      a.job.dns.wire[0] = static_cast<std::uint8_t>(id >> 8);
      a.job.dns.wire[1] = static_cast<std::uint8_t>(id & 0xff);
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(a.job.port);
    to.sin_addr.s_addr = a.job.address;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLET | (udp ? 0u : EPOLLOUT | EPOLLRDHUP);
    event.data.u64 = (std::uint64_t{a.generation} << 32) | slot;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, a.fd, &event) != 0) {
      finish(slot, false, "prober: epoll failed", true);
      return;
    }
    deadlines_.push({a.startUs + a.job.timeoutMs * 1000, slot, a.generation});
    if (connect(a.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS) {
      int error = errno;
      finish(slot, false, errnoDetail("connect", error), isLocalShortage(error));
      return;
    }
    if (udp) {
      const auto& wire = a.job.dns.wire;
      if (send(a.fd, wire.data(), wire.size(), MSG_NOSIGNAL) < 0) {
        int error = errno;
        finish(slot, false, errnoDetail("dns send", error), isLocalShortage(error));
      }
    }
    // TCP: the connect outcome arrives as EPOLLOUT (or EPOLLERR) on the edge-triggered set.
  }

  void driveTcp(std::uint32_t slot, std::uint32_t events) {
    Active& a = slots_[slot];
    if (a.phase == Active::Phase::Connecting) {
      if (events & (EPOLLERR | EPOLLHUP)) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(a.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        finish(slot, false, errnoDetail("connect", error ? error : ECONNRESET), false);
        return;
      }
      if (!(events & EPOLLOUT)) return;
      if (a.job.kind == ProbeJob::Kind::Tcp) {
        finish(slot, true, "tcp connected", false);
        return;
      }
      a.phase = Active::Phase::Sending;
    }
    if (a.phase == Active::Phase::Sending) {
      const std::string& request = a.job.httpRequest;
      while (a.sent < request.size()) {
        ssize_t n = send(a.fd, request.data() + a.sent, request.size() - a.sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) {
          finish(slot, false, errnoDetail("send", errno), false);
          return;
        }
        a.sent += static_cast<std::size_t>(n);
      }
      a.phase = Active::Phase::Reading;
      // The answer cannot be there yet unless this very event said so: save a recv.
      if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readHttp(slot);
  }

  void readHttp(std::uint32_t slot) {
    Active& a = slots_[slot];
    char buffer[kStatusBytes];
    for (;;) {
      ssize_t n = recv(a.fd, buffer, kStatusBytes - a.received.size(), 0);
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0) {
        finish(slot, false, errnoDetail("http", errno), false);
        return;
      }
      a.received.append(buffer, static_cast<std::size_t>(n));
      HttpStatusLine line = parseHttpStatusLine(a.received);
      if (line.parse == StatusLineParse::Ok) {
        bool ok = line.status == a.job.expectStatus;
        finish(slot, ok, "http " + std::to_string(line.status), false);
        return;
      }
      if (line.parse == StatusLineParse::Malformed || a.received.size() >= kStatusBytes) {
        finish(slot, false, "http malformed status line", false);
        return;
      }
      if (n == 0) {
        finish(slot, false, "http closed before status line", false);
        return;
      }
    }
  }

  void readDns(std::uint32_t slot) {
    Active& a = slots_[slot];
    std::uint8_t buffer[4096];
    for (;;) {
      ssize_t n = recv(a.fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0) {
        int error = errno;
        finish(slot, false,
               error == ECONNREFUSED ? "dns port unreachable" : errnoDetail("dns", error), false);
        return;
      }
      DnsReplyCheck check = checkDnsProbeReply(a.job.dns, {buffer, static_cast<std::size_t>(n)});
      if (check.verdict != DnsReplyVerdict::NotOurs) {
        finish(slot, check.verdict == DnsReplyVerdict::Ok, check.detail, false);
        return;
      }
    }
  }

  void finish(std::uint32_t slot, bool ok, std::string detail, bool proberFault) {
    Active& a = slots_[slot];
    if (a.fd >= 0) {
      if (a.job.kind != ProbeJob::Kind::Dns) {
        // Abort rather than close: no TIME_WAIT on either side, so thousands of probes a
        // second to one address do not run out of ports.
        linger abort{1, 0};
        setsockopt(a.fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
      }
      close(a.fd);
      a.fd = -1;
    }
    ProbeResult result{a.job.key, ok, std::move(detail), monotonicUs() - a.startUs, proberFault};
    auto done = std::move(a.job.done);
    a.job = ProbeJob{};
    a.busy = false;
    ++a.generation;
    free_.push_back(slot);
    --active_;
    done(std::move(result));
  }

  int epoll_;
  std::size_t maxInFlight_;
  std::size_t active_ = 0;
  std::vector<Active> slots_;  // stable indices; only grows
  std::vector<std::uint32_t> free_;
  std::deque<ProbeJob> waiting_;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::mt19937 random_;
};

ProbeLoop::ProbeLoop(std::string netnsName, std::string netnsPath, std::size_t maxInFlight)
    : netnsName_(std::move(netnsName)),
      netnsPath_(std::move(netnsPath)),
      maxInFlight_(maxInFlight == 0 ? 1 : maxInFlight) {
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

ProbeLoop::~ProbeLoop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  std::uint64_t one = 1;
  if (write(wakeFd_, &one, sizeof one) < 0) {
    // The counter cannot overflow here; a failed write leaves the loop to see stop_ itself.
  }
  // A dead loop's last callbacks may resubmit and so replace (destroy) the loop from its own
  // thread; that thread touches nothing of ours after it, so let it finish alone.
  if (thread_.get_id() == std::this_thread::get_id())
    thread_.detach();
  else
    thread_.join();
  close(wakeFd_);
}

bool ProbeLoop::enqueue(ProbeJob& job) {
  {
    std::lock_guard lock(mutex_);
    if (dead_ || stop_) return false;
    incoming_.push_back(std::move(job));
  }
  std::uint64_t one = 1;
  if (write(wakeFd_, &one, sizeof one) < 0) {
    // EAGAIN only when the counter is saturated, and then the loop is already woken.
  }
  return true;
}

bool ProbeLoop::dead() {
  std::lock_guard lock(mutex_);
  return dead_;
}

void ProbeLoop::run() {
  std::string failure;
  if (!netnsPath_.empty()) {
    int fd = open(netnsPath_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
      failure = "prober: cannot enter netns " + netnsName_;
    if (fd >= 0) close(fd);
  }
  int epollFd = failure.empty() ? epoll_create1(EPOLL_CLOEXEC) : -1;
  if (failure.empty() && epollFd < 0) failure = "prober: no epoll";
  if (!failure.empty()) {
    std::deque<ProbeJob> jobs;
    {
      std::lock_guard lock(mutex_);
      dead_ = true;
      jobs.swap(incoming_);
    }
    for (auto& job : jobs) job.done({job.key, false, failure, 0, true});
    return;
  }
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = kWakeToken;
  epoll_ctl(epollFd, EPOLL_CTL_ADD, wakeFd_, &wake);

  Engine engine(epollFd, maxInFlight_);
  std::deque<ProbeJob> arrived;
  std::vector<epoll_event> events(512);
  bool stopping = false;
  while (!stopping) {
    int n = epoll_wait(epollFd, events.data(), static_cast<int>(events.size()), engine.waitMs());
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 != kWakeToken) {
        engine.onEvent(events[i].data.u64, events[i].events);
        continue;
      }
      std::uint64_t count;
      if (read(wakeFd_, &count, sizeof count) < 0) {
        // Nothing to read: another wake-up already drained the counter.
      }
      std::lock_guard lock(mutex_);
      arrived.swap(incoming_);
      stopping = stop_;
    }
    engine.accept(arrived);
    engine.expire();
    if (!stopping) engine.startWaiting();
  }
  engine.failEverything("prober stopped");
  close(epollFd);
}

}  // namespace stele::scheduler::health
