#include "platform/notify/transport.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "platform/core/config.hpp"
#include "platform/core/log.hpp"

namespace medcore::notify {

namespace {

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// ---- file ----------------------------------------------------------------------------------

class FileTransport final : public Transport {
 public:
  explicit FileTransport(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const char* name() const override { return "file"; }

  SendResult send(const Envelope& env, const RenderedMail& mail, const std::atomic<bool>&) override {
    try {
      std::filesystem::create_directories(dir_);
      // One file per mail, named by its Message-ID: a repeated delivery replaces the same file.
      std::string stem;
      for (char c : env.message_id)
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '@') stem += c;
      const auto final_path = dir_ / (stem + ".eml");
      const auto tmp_path = dir_ / (".tmp-" + stem + "-" + std::to_string(getpid()));
      const std::string bytes = build_mime(env, mail);
      write_synced(tmp_path, bytes);
      std::filesystem::rename(tmp_path, final_path);
      sync_dir();
      return {Outcome::sent, {}};
    } catch (const std::exception& e) {
      // A full disk or a permission problem can be fixed by an operator: temporary.
      return {Outcome::temporary, std::string("file: ") + e.what()};
    }
  }

 private:
  static void write_synced(const std::filesystem::path& path, const std::string& bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) throw std::runtime_error("cannot create " + path.filename().string() + ": " + std::strerror(errno));
    std::size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        throw std::runtime_error(std::string("write failed: ") + std::strerror(err));
      }
      off += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd) != 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error(std::string("fdatasync failed: ") + std::strerror(err));
    }
    ::close(fd);
  }
  void sync_dir() const {
    const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  std::filesystem::path dir_;
};

// ---- libcurl helpers -------------------------------------------------------------------------

struct Upload {
  const std::string& data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t nitems, void* userp) {
  auto* up = static_cast<Upload*>(userp);
  const std::size_t n = std::min(size * nitems, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

std::size_t collect(char* ptr, std::size_t size, std::size_t nmemb, void* userdata) {
  auto* out = static_cast<std::string*>(userdata);
  const std::size_t n = size * nmemb;
  if (out->size() < 4096) out->append(ptr, std::min(n, 4096 - out->size()));
  return n;
}

int progress_cancel(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(clientp)->load() ? 1 : 0;
}

struct Easy {
  CURL* h;
  Easy() : h(curl_easy_init()) {
    if (!h) throw std::runtime_error("curl_easy_init failed");
  }
  ~Easy() { curl_easy_cleanup(h); }
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;
};

struct Slist {
  curl_slist* p = nullptr;
  ~Slist() { curl_slist_free_all(p); }
  void add(const std::string& s) { p = curl_slist_append(p, s.c_str()); }
};

void common_options(CURL* h, char* errbuf, const std::atomic<bool>& cancel) {
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cancel);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&cancel));
}

std::string curl_error(CURLcode rc, const char* errbuf) {
  std::string e = curl_easy_strerror(rc);
  if (errbuf && *errbuf) e += std::string(" (") + errbuf + ")";
  return e;
}

// ---- SMTP ----------------------------------------------------------------------------------

class SmtpTransport final : public Transport {
 public:
  explicit SmtpTransport(const Config& c)
      : url_(c.smtp_url), user_(c.smtp_user), password_(c.smtp_password), starttls_(c.smtp_starttls),
        secrets_(secrets_of(c)) {
    curl_init_once();
    if (url_.rfind("smtp://", 0) != 0 && url_.rfind("smtps://", 0) != 0)
      throw std::invalid_argument("MEDCORE_SMTP_URL must start with smtp:// or smtps://");
  }
  const char* name() const override { return "smtp"; }

  SendResult send(const Envelope& env, const RenderedMail& mail, const std::atomic<bool>& cancel) override {
    try {
      const std::string message = build_mime(env, mail);
      Easy e;
      char errbuf[CURL_ERROR_SIZE] = {};
      common_options(e.h, errbuf, cancel);
      curl_easy_setopt(e.h, CURLOPT_URL, url_.c_str());
      if (url_.rfind("smtp://", 0) == 0) {
        const long ssl = starttls_ == "require" ? CURLUSESSL_ALL : starttls_ == "try" ? CURLUSESSL_TRY : CURLUSESSL_NONE;
        curl_easy_setopt(e.h, CURLOPT_USE_SSL, ssl);
      }
      if (!user_.empty()) {
        curl_easy_setopt(e.h, CURLOPT_USERNAME, user_.c_str());
        curl_easy_setopt(e.h, CURLOPT_PASSWORD, password_.c_str());
      }
      const std::string from = "<" + env.from.address + ">";
      curl_easy_setopt(e.h, CURLOPT_MAIL_FROM, from.c_str());
      Slist rcpt;
      rcpt.add("<" + env.to + ">");
      curl_easy_setopt(e.h, CURLOPT_MAIL_RCPT, rcpt.p);
      Upload up{message};
      curl_easy_setopt(e.h, CURLOPT_READFUNCTION, read_upload);
      curl_easy_setopt(e.h, CURLOPT_READDATA, &up);
      curl_easy_setopt(e.h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(e.h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
      const CURLcode rc = curl_easy_perform(e.h);
      long reply = 0;
      curl_easy_getinfo(e.h, CURLINFO_RESPONSE_CODE, &reply);
      const Outcome o = classify_smtp(rc == CURLE_OK, reply);
      if (o == Outcome::sent) return {o, {}};
      std::string err = "smtp: " + curl_error(rc, errbuf);
      if (reply > 0) err += "; last reply " + std::to_string(reply);
      return {o, redact(err, secrets_)};
    } catch (const std::exception& ex) {
      return {Outcome::temporary, redact(std::string("smtp: ") + ex.what(), secrets_)};
    }
  }

 private:
  std::string url_, user_, password_, starttls_;
  std::vector<std::string> secrets_;
};

// ---- SendGrid ------------------------------------------------------------------------------

class SendGridTransport final : public Transport {
 public:
  explicit SendGridTransport(const Config& c) : key_(c.sendgrid_api_key), secrets_(secrets_of(c)) {
    curl_init_once();
    std::string base = c.sendgrid_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    endpoint_ = base + "/v3/mail/send";
    if (key_.empty()) log::warn("mail_sendgrid_without_key", {{"hint", "set MEDCORE_SENDGRID_API_KEY"}});
  }
  const char* name() const override { return "sendgrid"; }

  SendResult send(const Envelope& env, const RenderedMail& mail, const std::atomic<bool>& cancel) override {
    try {
      const std::string body = sendgrid_body(env, mail);
      Easy e;
      char errbuf[CURL_ERROR_SIZE] = {};
      common_options(e.h, errbuf, cancel);
      curl_easy_setopt(e.h, CURLOPT_URL, endpoint_.c_str());
      curl_easy_setopt(e.h, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(e.h, CURLOPT_POST, 1L);
      curl_easy_setopt(e.h, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(e.h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      Slist headers;
      headers.add("Authorization: Bearer " + key_);
      headers.add("Content-Type: application/json");
      headers.add("Expect:");
      curl_easy_setopt(e.h, CURLOPT_HTTPHEADER, headers.p);
      std::string answer;
      curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, collect);
      curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &answer);
      const CURLcode rc = curl_easy_perform(e.h);
      long status = 0;
      if (rc == CURLE_OK) curl_easy_getinfo(e.h, CURLINFO_RESPONSE_CODE, &status);
      const Outcome o = classify_http(status);
      if (o == Outcome::sent) return {o, {}};
      std::string err = rc != CURLE_OK ? "sendgrid: " + curl_error(rc, errbuf)
                                       : "sendgrid: HTTP " + std::to_string(status) + ": " + answer;
      return {o, redact(err, secrets_, 600)};
    } catch (const std::exception& ex) {
      return {Outcome::temporary, redact(std::string("sendgrid: ") + ex.what(), secrets_)};
    }
  }

 private:
  std::string key_, endpoint_;
  std::vector<std::string> secrets_;
};

}  // namespace

std::vector<std::string> secrets_of(const Config& c) {
  std::vector<std::string> s;
  // Very short values would redact ordinary words; nobody has a 3-character password or key.
  for (const auto* v : {&c.smtp_password, &c.sendgrid_api_key})
    if (v->size() >= 4) s.push_back(*v);
  return s;
}

std::unique_ptr<Transport> make_transport(const Config& c) {
  if (c.mail_transport == "smtp") return std::make_unique<SmtpTransport>(c);
  if (c.mail_transport == "sendgrid") return std::make_unique<SendGridTransport>(c);
  return std::make_unique<FileTransport>(std::filesystem::path(c.var_dir) / "mail");
}

}  // namespace medcore::notify
