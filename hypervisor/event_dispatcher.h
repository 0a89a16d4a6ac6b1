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

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Event> queue_;
  std::map<SubscriptionId, std::shared_ptr<EventHandler>> handlers_;
  SubscriptionId nextId_ = 1;
  bool stopping_ = false;
  std::mutex deliveryMutex_;  // held while a handler runs
  std::thread thread_;
};

}  // namespace stele::hypervisor
