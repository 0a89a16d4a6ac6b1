#include "hypervisor/event_dispatcher.h"

#include <vector>

namespace stele::hypervisor {

EventDispatcher::EventDispatcher() : thread_([this] { run(); }) {}

EventDispatcher::~EventDispatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  delivered_.notify_all();
  thread_.join();
}

SubscriptionId EventDispatcher::subscribe(EventHandler handler) {
  std::lock_guard lock(mutex_);
  SubscriptionId id = nextId_++;
  handlers_.emplace(id, std::make_shared<EventHandler>(std::move(handler)));
  return id;
}

bool EventDispatcher::unsubscribe(SubscriptionId id) {
  bool removed;
  {
    std::lock_guard lock(mutex_);
    removed = handlers_.erase(id) > 0;
  }
  // Wait for an in-flight delivery to finish, unless we are that delivery.
  if (std::this_thread::get_id() != thread_.get_id()) {
    std::lock_guard delivery(deliveryMutex_);
  }
  return removed;
}

void EventDispatcher::post(Event event) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(event));
    ++posted_;
  }
  wake_.notify_one();
}

void EventDispatcher::awaitIdle() {
  if (std::this_thread::get_id() == thread_.get_id()) return;
  std::unique_lock lock(mutex_);
  const std::uint64_t target = posted_;
  delivered_.wait(lock, [&] { return completed_ >= target || stopping_; });
}

void EventDispatcher::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Event event = std::move(queue_.front());
    queue_.pop_front();
    std::vector<std::pair<SubscriptionId, std::shared_ptr<EventHandler>>> targets(handlers_.begin(),
                                                                                  handlers_.end());
    std::unique_lock delivery(deliveryMutex_);
    lock.unlock();
    for (const auto& [id, handler] : targets) {
      {
        // Skip handlers unsubscribed while earlier ones of this event ran.
        std::lock_guard check(mutex_);
        if (!handlers_.contains(id)) continue;
      }
      try {
        (*handler)(event);
      } catch (...) {
        // A subscriber's exception must not cross into the hypervisor module.
      }
    }
    delivery.unlock();
    lock.lock();
    ++completed_;
    delivered_.notify_all();
  }
}

}  // namespace stele::hypervisor
