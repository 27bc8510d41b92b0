#pragma once
// A fixed set of threads taking tasks from a bounded queue. Full queue = the caller is told
// at once (the server answers 503) instead of piling up unbounded work.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace medcore {

class WorkerPool {
 public:
  WorkerPool(std::string name, std::size_t threads, std::size_t max_queue);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is stopping; the task is then not run.
  bool try_submit(std::function<void()> task);
  // Runs what is queued, then joins the threads. Idempotent.
  void stop();

  const std::string& name() const { return name_; }
  std::size_t threads() const { return threads_.size(); }
  std::size_t queue_depth() const;
  std::size_t busy() const { return busy_.load(std::memory_order_relaxed); }

 private:
  void run();
  std::string name_;
  std::size_t max_queue_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::atomic<std::size_t> busy_{0};
  std::vector<std::thread> threads_;
};

}  // namespace medcore
