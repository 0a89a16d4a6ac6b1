// Fans events out to subscribers on one dispatch thread, in the order they were posted.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "hypervisor/hypervisor.h"

namespace stele::hypervisor {

class EventDispatcher {
 public:
  EventDispatcher();
  ~EventDispatcher();  // drops undelivered events, joins the thread
  EventDispatcher(const EventDispatcher&) = delete;
  EventDispatcher& operator=(const EventDispatcher&) = delete;

  SubscriptionId subscribe(EventHandler handler);
  bool unsubscribe(SubscriptionId id);
  void post(Event event);
  // Returns once every event posted before the call has been delivered to every subscriber.
  // For tests and benchmarks; from within a handler it returns at once (it cannot wait for itself).
  void awaitIdle();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable delivered_;
  std::uint64_t posted_ = 0;     // events posted so far
  std::uint64_t completed_ = 0;  // events delivered (or dropped) so far
  std::deque<Event> queue_;
  std::map<SubscriptionId, std::shared_ptr<EventHandler>> handlers_;
  SubscriptionId nextId_ = 1;
  bool stopping_ = false;
  std::mutex deliveryMutex_;  // held while a handler runs
  std::thread thread_;
};

}  // namespace stele::hypervisor
