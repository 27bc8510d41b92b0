#include "features/chat/model.hpp"

#include <algorithm>

#include "platform/core/text.hpp"

namespace medcore::chat {

namespace {

bool space(unsigned char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Length of the UTF-8 sequence starting with `c`, 0 when `c` cannot start one.
std::size_t seq_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0 && c <= 0xF4) return 4;
  return 0;
}

}  // namespace

TextCheck check_text(std::string_view raw) {
  std::size_t b = 0, e = raw.size();
  while (b < e && space(static_cast<unsigned char>(raw[b]))) ++b;
  while (e > b && space(static_cast<unsigned char>(raw[e - 1]))) --e;
  const std::string_view t = raw.substr(b, e - b);
  if (t.empty()) return {std::nullopt, "must not be empty"};
  std::string out;
  out.reserve(t.size());
  std::size_t chars = 0;
  for (std::size_t i = 0; i < t.size();) {
    const auto c = static_cast<unsigned char>(t[i]);
    const std::size_t n = seq_len(c);
    if (n == 0 || i + n > t.size()) return {std::nullopt, "must be UTF-8 text"};
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(t[i + k]) & 0xC0) != 0x80) return {std::nullopt, "must be UTF-8 text"};
    if (n == 1 && c < 0x20 && c != '\n' && c != '\t' && c != '\r') return {std::nullopt, "must not hold control characters"};
    if (n == 1 && c == 0x7F) return {std::nullopt, "must not hold control characters"};
    if (c == '\r') {  // line ends are stored as \n
      if (i + 1 < t.size() && t[i + 1] == '\n') ++i;
      out.push_back('\n');
      ++i;
      ++chars;
      continue;
    }
    out.append(t.substr(i, n));
    i += n;
    if (++chars > kMaxMessageChars)
      return {std::nullopt, "must be at most " + std::to_string(kMaxMessageChars) + " characters"};
  }
  // The rule every multi-line text field follows (NFC; no C1 controls, separators, direction
  // overrides that would reorder what the other participant reads, or other invisible characters).
  auto cleaned = text::clean(out, text::Lines::multi);
  if (!cleaned.text) return {std::nullopt, std::move(cleaned.problem)};
  if (cleaned.text->empty()) return {std::nullopt, "must not be empty"};
  return {std::move(*cleaned.text), ""};
}

bool valid_client_message_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxClientMessageId) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':';
  });
}

std::string preview(std::string_view text, std::size_t max) {
  std::size_t chars = 0, i = 0;
  while (i < text.size() && chars < max) {
    std::size_t n = seq_len(static_cast<unsigned char>(text[i]));
    if (n == 0) n = 1;
    i += n;
    ++chars;
  }
  if (i >= text.size()) return std::string(text);
  return std::string(text.substr(0, i)) + "…";
}

std::string conversation_room(std::int64_t id) { return "conversation:" + std::to_string(id); }
std::string user_room(std::int64_t id) { return "user:" + std::to_string(id); }
std::string presence_room(std::int64_t id) { return "presence:" + std::to_string(id); }
std::string session_room(std::int64_t id) { return "session:" + std::to_string(id); }

bool SocketBudget::take(EpochMs now) {
  if (updated_ != 0) tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - updated_) * rate_);
  updated_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace medcore::chat
