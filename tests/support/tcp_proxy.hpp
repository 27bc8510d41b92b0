#pragma once
// A TCP proxy on loopback in front of a real server, for fault-injection tests: the test decides
// whether the database "is there". Modes: forward (a working network), refuse (every new
// connection is closed at once, like a server that is restarting), blackhole (connections are
// accepted and never answered, like a host whose packets are dropped). drop_all() cuts every
// connection in flight, like a server that crashed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace medcore::test_support {

class TcpProxy {
 public:
  enum class Mode { forward, refuse, blackhole };

  TcpProxy(std::string target_host, int target_port) : host_(std::move(target_host)), target_port_(target_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 64) != 0)
      throw std::runtime_error("proxy: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("proxy: pipe failed");
    thread_ = std::thread([this] { run(); });
  }

  ~TcpProxy() {
    stop_ = true;
    wake();
    thread_.join();
    for (const auto& c : links_) close_link(c);
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  void set_mode(Mode m) { mode_ = m; }

  // Closes every open connection (both sides) and returns once they are closed.
  void drop_all() {
    std::unique_lock lock(mu_);
    const int target = ++drop_requested_;
    wake();
    done_.wait(lock, [&] { return drop_done_ >= target; });
  }

 private:
  struct Link {
    int client = -1;
    int server = -1;  // -1 for a black-holed connection
  };

  void wake() {
    const char byte = 1;
    [[maybe_unused]] auto n = ::write(wake_[1], &byte, 1);
  }

  static void close_link(const Link& l) {
    ::close(l.client);
    if (l.server >= 0) ::close(l.server);
  }

  int connect_target() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(target_port_));
    ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Copies what is readable on `from` to `to`; false when the connection ended.
  static bool pump(int from, int to) {
    char buf[16384];
    const ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return false;
    if (to < 0) return true;  // black hole: swallow
    ssize_t off = 0;
    while (off < n) {
      const ssize_t w = ::write(to, buf + off, static_cast<std::size_t>(n - off));
      if (w <= 0) return false;
      off += w;
    }
    return true;
  }

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      for (const auto& l : links_) {
        fds.push_back({l.client, POLLIN, 0});
        if (l.server >= 0) fds.push_back({l.server, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
      if (fds[1].revents & POLLIN) {
        char buf[64];
        while (::read(wake_[0], buf, sizeof buf) > 0) {
        }
      }
      {
        std::lock_guard lock(mu_);
        if (drop_done_ < drop_requested_) {
          for (const auto& l : links_) close_link(l);
          links_.clear();
          drop_done_ = drop_requested_;
          done_.notify_all();
          continue;
        }
      }
      std::vector<Link> keep;
      std::size_t i = 2;
      for (const auto& l : links_) {
        bool alive = true;
        const pollfd& c = fds[i++];
        if (c.revents & (POLLIN | POLLHUP | POLLERR)) alive = pump(l.client, l.server);
        if (l.server >= 0) {
          const pollfd& s = fds[i++];
          if (alive && (s.revents & (POLLIN | POLLHUP | POLLERR))) alive = pump(l.server, l.client);
        }
        if (alive) keep.push_back(l);
        else close_link(l);
      }
      links_ = std::move(keep);
      if (fds[0].revents & POLLIN) {
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        accepted_.fetch_add(1);
        const Mode mode = mode_.load();
        if (mode == Mode::refuse) {
          ::close(client);
        } else if (mode == Mode::blackhole) {
          links_.push_back({client, -1});
        } else {
          const int server = connect_target();
          if (server < 0) ::close(client);
          else links_.push_back({client, server});
        }
      }
    }
  }

  std::string host_;
  int target_port_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::atomic<Mode> mode_{Mode::forward};
  std::atomic<int> accepted_{0};
  std::atomic<bool> stop_{false};
  std::vector<Link> links_;  // the proxy thread's
  std::mutex mu_;
  std::condition_variable done_;
  int drop_requested_ = 0;
  int drop_done_ = 0;
  std::thread thread_;
};

}  // namespace medcore::test_support
