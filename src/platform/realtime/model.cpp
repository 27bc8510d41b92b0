#include "platform/realtime/model.hpp"

#include "platform/http/message.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <array>
#include <charconv>

namespace medcore::realtime {

namespace json = boost::json;

// --- base64 ------------------------------------------------------------------------------------
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + static_cast<std::size_t>(k)];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = b64_value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const unsigned n = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                       (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

// --- Engine.IO ---------------------------------------------------------------------------------
namespace eio {

Packet Packet::text(Type t, std::string_view d) {
  std::string frame;
  frame.reserve(1 + d.size());
  frame += static_cast<char>(t);
  frame += d;
  return Packet{t, false, std::make_shared<const std::string>(std::move(frame))};
}

Packet Packet::from_frame(std::string frame) {
  const auto t = static_cast<Type>(frame.at(0));
  return Packet{t, false, std::make_shared<const std::string>(std::move(frame))};
}

Packet Packet::bytes(std::string d) {
  return Packet{Type::message, true, std::make_shared<const std::string>(std::move(d))};
}

std::optional<Packet> decode_text(std::string_view frame) {
  if (!valid_text(frame)) return std::nullopt;
  return Packet::from_frame(std::string(frame));
}

std::string encode_text(const Packet& p) { return std::string(p.frame()); }

std::string encode_payload(const std::vector<Packet>& packets) {
  std::string out;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i) out += '\x1e';
    if (packets[i].binary) {
      out += 'b';
      out += base64_encode(packets[i].view());
    } else {
      out += packets[i].frame();
    }
  }
  return out;
}

std::optional<std::vector<Packet>> decode_payload(std::string_view body) {
  std::vector<Packet> out;
  std::size_t start = 0;
  for (;;) {
    const auto end = body.find('\x1e', start);
    const auto record = body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!record.empty() && record[0] == 'b') {
      auto bytes = base64_decode(record.substr(1));
      if (!bytes) return std::nullopt;
      out.push_back(Packet::bytes(std::move(*bytes)));
    } else {
      auto p = decode_text(record);
      if (!p) return std::nullopt;
      out.push_back(std::move(*p));
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string error_body(Error e) {
  static constexpr std::array<const char*, 6> messages = {"Transport unknown",   "Session ID unknown",
                                                          "Bad handshake method", "Bad request",
                                                          "Forbidden",           "Unsupported protocol version"};
  const auto code = static_cast<int>(e);
  return json::serialize(json::object{{"code", code}, {"message", messages[static_cast<std::size_t>(code)]}});
}


std::string Query::get(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

Query parse_query(std::string_view target) {
  Query q;
  const auto mark = target.find('?');
  if (mark == std::string_view::npos) return q;
  std::string_view rest = target.substr(mark + 1);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string key = http::form_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : http::form_decode(pair.substr(eq + 1));
    q.params.emplace(std::move(key), std::move(value));  // the first occurrence wins
  }
  return q;
}

RequestCheck check_request(std::string_view method, const Query& query, bool websocket_upgrade) {
  RequestCheck r;
  if (query.get("EIO") != "4") {
    r.error = Error::unsupported_protocol_version;
    return r;
  }
  const std::string transport = query.get("transport");
  if (transport == "polling") {
    r.transport = Transport::polling;
  } else if (transport == "websocket") {
    r.transport = Transport::websocket;
  } else {
    r.error = Error::transport_unknown;
    return r;
  }
  if (websocket_upgrade != (r.transport == Transport::websocket)) {
    r.error = Error::bad_request;
    return r;
  }
  r.sid = query.get("sid");
  if (query.has("sid") && r.sid.empty()) {
    r.error = Error::session_unknown;
    return r;
  }
  if (r.sid.empty() && method != "GET") {
    r.error = Error::bad_handshake_method;
    return r;
  }
  if (!r.sid.empty() && r.transport == Transport::polling && method != "GET" && method != "POST") {
    r.error = Error::bad_request;
    return r;
  }
  return r;
}

std::string open_payload(const std::string& sid, bool can_upgrade, const HandshakeSettings& s) {
  json::array upgrades;
  if (can_upgrade) upgrades.emplace_back("websocket");
  return json::serialize(json::object{{"sid", sid},
                                      {"upgrades", std::move(upgrades)},
                                      {"pingInterval", s.ping_interval_ms},
                                      {"pingTimeout", s.ping_timeout_ms},
                                      {"maxPayload", s.max_payload}});
}

}  // namespace eio

// --- Socket.IO ---------------------------------------------------------------------------------
namespace sio {

namespace {
constexpr std::size_t kMaxAttachments = 10000;
constexpr std::size_t kFrameReserve = 192;

bool is_placeholder(const json::value& v) {
  const auto* o = v.if_object();
  if (!o || o->size() != 2) return false;
  const auto* flag = o->if_contains("_placeholder");
  const auto* num = o->if_contains("num");
  return flag && flag->is_bool() && flag->get_bool() && num && (num->is_int64() || num->is_uint64());
}

// False when a placeholder names a missing attachment.
bool placeholders_valid(const json::value& v, std::size_t attachments) {
  if (is_placeholder(v)) {
    const auto& num = v.as_object().at("num");
    if (num.is_int64()) return num.get_int64() >= 0 && static_cast<std::uint64_t>(num.get_int64()) < attachments;
    return num.get_uint64() < attachments;
  }
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      if (!placeholders_valid(e, attachments)) return false;
  } else if (const auto* o = v.if_object()) {
    for (const auto& kv : *o)
      if (!placeholders_valid(kv.value(), attachments)) return false;
  }
  return true;
}

bool reserved_event(std::string_view name) {
  return name == "connect" || name == "connect_error" || name == "disconnect" || name == "disconnecting" ||
         name == "newListener" || name == "removeListener";
}
}  // namespace

Payload& Payload::add_binary(std::string bytes) {
  args.push_back(json::object{{"_placeholder", true}, {"num", binaries.size()}});
  binaries.push_back(std::move(bytes));
  return *this;
}

Payload& Payload::add(json::value v) {
  args.push_back(std::move(v));
  return *this;
}

namespace {
// Serialized straight onto `out` through a stack buffer: json::serialize would return a string of
// its own, one more allocation and copy per packet.
void append_json(std::string& out, const json::value& v) {
  json::serializer sr;
  sr.reset(&v);
  char chunk[BOOST_JSON_STACK_BUFFER_SIZE];
  while (!sr.done()) {
    const auto part = sr.read(chunk);
    out.append(part.data(), part.size());
  }
}

void append_text(std::string& out, const Packet& p) {
  Type type = p.type;
  if (!p.attachments.empty()) {
    if (type == Type::event) type = Type::binary_event;
    if (type == Type::ack) type = Type::binary_ack;
  } else {
    if (type == Type::binary_event) type = Type::event;
    if (type == Type::binary_ack) type = Type::ack;
  }
  out += static_cast<char>('0' + static_cast<int>(type));
  if (type == Type::binary_event || type == Type::binary_ack) {
    out += std::to_string(p.attachments.size());
    out += '-';
  }
  if (!p.nsp.empty() && p.nsp != "/") {
    out += p.nsp;
    out += ',';
  }
  if (p.id) out += std::to_string(*p.id);
  if (p.data) append_json(out, *p.data);
}
}  // namespace

std::string encode_text(const Packet& p) {
  std::string out;
  append_text(out, p);
  return out;
}

std::vector<eio::Packet> encode(const Packet& p) {
  std::vector<eio::Packet> out;
  out.reserve(1 + p.attachments.size());
  // Written straight into the Engine.IO frame: no second copy per packet. The reserve makes a
  // typical chat message (~100 bytes of JSON) one allocation instead of a string grown twice.
  std::string frame;
  frame.reserve(kFrameReserve);
  frame += static_cast<char>(eio::Type::message);
  append_text(frame, p);
  out.push_back(eio::Packet::from_frame(std::move(frame)));
  for (const auto& a : p.attachments) out.push_back(eio::Packet::bytes(a));
  return out;
}

std::optional<std::string> validate(const Packet& p) {
  if (p.nsp.empty() || p.nsp[0] != '/') return "namespace must start with /";
  switch (p.type) {
    case Type::connect:
      if (p.data && !p.data->is_object()) return "CONNECT payload must be an object";
      break;
    case Type::disconnect:
      if (p.data) return "DISCONNECT takes no payload";
      break;
    case Type::connect_error:
      if (!p.data || !(p.data->is_object() || p.data->is_string())) return "CONNECT_ERROR payload must be an object";
      break;
    case Type::event:
    case Type::binary_event: {
      const auto* a = p.data ? p.data->if_array() : nullptr;
      if (!a || a->empty()) return "EVENT payload must be a non-empty array";
      const auto& name = (*a)[0];
      if (!(name.is_number() || (name.is_string() && !reserved_event(name.get_string()))))
        return "EVENT name must be a string (and not a reserved one)";
      break;
    }
    case Type::ack:
    case Type::binary_ack:
      if (!p.data || !p.data->is_array()) return "ACK payload must be an array";
      if (!p.id) return "ACK needs an id";
      break;
  }
  if (p.data && !placeholders_valid(*p.data, p.attachments.size())) return "placeholder without attachment";
  return std::nullopt;
}

json::object connect_auth(const Packet& connect) {
  if (const auto* payload = connect.data ? connect.data->if_object() : nullptr) return *payload;
  return {};
}

Decoder::Result Decoder::feed_text(std::string_view s) {
  auto fail = [](std::string why) { return Result{Status::error, {}, std::move(why)}; };
  if (pending_) return fail("text packet while binary attachments were expected");
  if (s.empty() || s[0] < '0' || s[0] > '6') return fail("unknown packet type");
  Packet p;
  p.type = static_cast<Type>(s[0] - '0');
  std::size_t i = 1;
  std::size_t attachments = 0;
  if (p.type == Type::binary_event || p.type == Type::binary_ack) {
    const auto dash = s.find('-', i);
    if (dash == std::string_view::npos || dash == i || dash - i > 5) return fail("bad attachment count");
    auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + dash, attachments);
    if (ec != std::errc() || ptr != s.data() + dash || attachments > kMaxAttachments)
      return fail("bad attachment count");
    i = dash + 1;
  }
  if (i < s.size() && s[i] == '/') {
    const auto comma = s.find(',', i);
    const auto end = comma == std::string_view::npos ? s.size() : comma;
    p.nsp = std::string(s.substr(i, end - i));
    i = comma == std::string_view::npos ? s.size() : comma + 1;
  }
  std::size_t digits_end = i;
  while (digits_end < s.size() && s[digits_end] >= '0' && s[digits_end] <= '9') ++digits_end;
  if (digits_end > i) {
    if (digits_end - i > 15) return fail("ack id too long");
    std::int64_t id = 0;
    std::from_chars(s.data() + i, s.data() + digits_end, id);
    p.id = id;
    i = digits_end;
  }
  if (i < s.size()) {
    boost::system::error_code ec;
    json::value v = json::parse(s.substr(i), ec);
    if (ec) return fail("payload is not JSON");
    p.data = std::move(v);
  }
  if (attachments > 0) {
    // Placeholders are checked once every attachment is here.
    pending_ = std::move(p);
    expected_ = attachments;
    return Result{Status::need_more, {}, {}};
  }
  if (auto why = validate(p)) return fail(*why);
  return Result{Status::packet, std::move(p), {}};
}

Decoder::Result Decoder::feed_binary(std::string bytes) {
  if (!pending_) return Result{Status::error, {}, "unexpected binary attachment"};
  pending_->attachments.push_back(std::move(bytes));
  if (pending_->attachments.size() < expected_) return Result{Status::need_more, {}, {}};
  Packet p = std::move(*pending_);
  pending_.reset();
  expected_ = 0;
  if (auto why = validate(p)) return Result{Status::error, {}, *why};
  return Result{Status::packet, std::move(p), {}};
}

}  // namespace sio

// --- broadcasts between instances ----------------------------------------------------------------
std::string encode_broadcast(const BroadcastPacket& b, const std::string& origin) {
  json::array rooms(b.rooms.begin(), b.rooms.end());
  json::array except(b.except_rooms.begin(), b.except_rooms.end());
  json::array frames;
  for (const auto& f : b.frames) {
    if (f.binary) frames.push_back(json::object{{"b", base64_encode(f.view())}});
    else frames.emplace_back(eio::encode_text(f));
  }
  json::object o{{"o", origin},
                 {"n", b.nsp},
                 {"r", std::move(rooms)},
                 {"x", std::move(except)},
                 {"s", b.except_sid},
                 {"f", std::move(frames)}};
  if (b.disconnect) o["d"] = true;
  return json::serialize(o);
}

std::optional<DecodedBroadcast> decode_broadcast(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  auto str = [&](const char* key) -> const json::string* {
    const auto* x = o.if_contains(key);
    return x ? x->if_string() : nullptr;
  };
  auto strings = [&](const char* key, std::vector<std::string>& out) {
    const auto* x = o.if_contains(key);
    if (!x || !x->is_array()) return false;
    for (const auto& e : x->get_array()) {
      if (!e.is_string()) return false;
      out.emplace_back(e.get_string());
    }
    return true;
  };
  DecodedBroadcast d;
  const auto *origin = str("o"), *nsp = str("n"), *sid = str("s");
  const auto* frames = o.if_contains("f");
  if (!origin || !nsp || !sid || !frames || !frames->is_array()) return std::nullopt;
  d.origin = std::string(*origin);
  d.packet.nsp = std::string(*nsp);
  d.packet.except_sid = std::string(*sid);
  if (!strings("r", d.packet.rooms) || !strings("x", d.packet.except_rooms)) return std::nullopt;
  for (const auto& f : frames->get_array()) {
    if (const auto* t = f.if_string()) {
      auto p = eio::decode_text(*t);
      if (!p) return std::nullopt;
      d.packet.frames.push_back(std::move(*p));
    } else if (const auto* b = f.if_object(); b && b->if_contains("b") && b->at("b").is_string()) {
      auto bytes = base64_decode(b->at("b").get_string());
      if (!bytes) return std::nullopt;
      d.packet.frames.push_back(eio::Packet::bytes(std::move(*bytes)));
    } else {
      return std::nullopt;
    }
  }
  if (const auto* disconnect = o.if_contains("d")) {
    if (!disconnect->is_bool()) return std::nullopt;
    d.packet.disconnect = disconnect->get_bool();
  }
  if (d.packet.frames.empty() && !d.packet.disconnect) return std::nullopt;
  return d;
}

// --- NOTIFY size limit ---------------------------------------------------------------------------
std::vector<std::string> split_notify(const std::string& message, const std::string& origin, std::uint64_t id,
                                      std::size_t max_bytes) {
  if (message.size() <= max_bytes) return {message};
  const std::string head_base = "~" + origin + " " + std::to_string(id) + " ";
  // Room for "INDEX COUNT " (up to 6 digits each) after the prefix.
  const std::size_t overhead = head_base.size() + 14;
  const std::size_t room = max_bytes > overhead + 4 ? max_bytes - overhead : 4;
  std::vector<std::string_view> chunks;
  std::string_view rest = message;
  while (!rest.empty()) {
    std::size_t n = std::min(room, rest.size());
    // Never cut a UTF-8 sequence: back up over continuation bytes.
    while (n < rest.size() && n > 0 && (static_cast<unsigned char>(rest[n]) & 0xC0) == 0x80) --n;
    if (n == 0) n = std::min(room, rest.size());
    chunks.push_back(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  std::vector<std::string> out;
  out.reserve(chunks.size());
  for (std::size_t i = 0; i < chunks.size(); ++i)
    out.push_back(head_base + std::to_string(i) + " " + std::to_string(chunks.size()) + " " + std::string(chunks[i]));
  return out;
}

std::optional<std::string> NotifyAssembler::add(std::string_view n, std::int64_t now_ms) {
  // Forget what is too old to complete.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_ms - it->second.first_ms > max_age_ms_) {
      pending_bytes_ -= it->second.bytes;
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  if (n.empty() || n[0] != '~') return std::string(n);
  // "~ORIGIN ID INDEX COUNT DATA"
  std::string_view rest = n.substr(1);
  std::string_view fields[4];
  for (auto& f : fields) {
    const auto space = rest.find(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    f = rest.substr(0, space);
    rest.remove_prefix(space + 1);
  }
  std::size_t index = 0, count = 0;
  auto parse = [](std::string_view t, std::size_t& v) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc() && p == t.data() + t.size();
  };
  if (!parse(fields[2], index) || !parse(fields[3], count) || count < 2 || count > 100000 || index >= count)
    return std::nullopt;
  const std::string key = std::string(fields[0]) + " " + std::string(fields[1]);
  auto [it, fresh] = pending_.try_emplace(key);
  Partial& p = it->second;
  if (fresh) {
    p.parts.resize(count);
    p.first_ms = now_ms;
  }
  if (p.parts.size() != count || !p.parts[index].empty()) return std::nullopt;  // inconsistent or repeated
  if (pending_bytes_ + rest.size() > max_pending_bytes_) {
    pending_bytes_ -= p.bytes;
    pending_.erase(it);
    return std::nullopt;
  }
  p.parts[index] = std::string(rest);
  p.bytes += rest.size();
  pending_bytes_ += rest.size();
  if (++p.received < count) return std::nullopt;
  std::string whole;
  whole.reserve(p.bytes);
  for (const auto& part : p.parts) whole += part;
  pending_bytes_ -= p.bytes;
  pending_.erase(it);
  return whole;
}

// --- rooms -------------------------------------------------------------------------------------
void RoomIndex::join(const std::string& sid, const std::string& room) {
  rooms_[room].insert(sid);
  members_[sid].insert(room);
}

void RoomIndex::leave(const std::string& sid, const std::string& room) {
  if (auto it = rooms_.find(room); it != rooms_.end()) {
    it->second.erase(sid);
    if (it->second.empty()) rooms_.erase(it);
  }
  if (auto it = members_.find(sid); it != members_.end()) {
    it->second.erase(room);
    if (it->second.empty()) members_.erase(it);
  }
}

void RoomIndex::leave_all(const std::string& sid) {
  auto it = members_.find(sid);
  if (it == members_.end()) return;
  for (const auto& room : it->second) {
    auto r = rooms_.find(room);
    if (r == rooms_.end()) continue;
    r->second.erase(sid);
    if (r->second.empty()) rooms_.erase(r);
  }
  members_.erase(it);
}

std::vector<std::string> RoomIndex::select(const std::vector<std::string>& rooms,
                                           const std::vector<std::string>& except_rooms,
                                           const std::string& except_sid) const {
  // The common case (one room, maybe minus the sender) without building sets.
  if (rooms.size() == 1 && except_rooms.empty()) {
    std::vector<std::string> out;
    for_each_selected(rooms, except_rooms, except_sid, [&out](const std::string& sid) { out.push_back(sid); });
    return out;
  }
  std::set<std::string> excluded;
  if (!except_sid.empty()) excluded.insert(except_sid);
  for (const auto& room : except_rooms)
    if (auto it = rooms_.find(room); it != rooms_.end()) excluded.insert(it->second.begin(), it->second.end());
  std::set<std::string> chosen;
  if (rooms.empty()) {
    for (const auto& [sid, _] : members_) chosen.insert(sid);
  } else {
    for (const auto& room : rooms)
      if (auto it = rooms_.find(room); it != rooms_.end()) chosen.insert(it->second.begin(), it->second.end());
  }
  std::vector<std::string> out;
  out.reserve(chosen.size());
  for (const auto& sid : chosen)
    if (!excluded.count(sid)) out.push_back(sid);
  return out;
}

std::set<std::string> RoomIndex::rooms_of(const std::string& sid) const {
  auto it = members_.find(sid);
  return it == members_.end() ? std::set<std::string>() : it->second;
}

std::size_t RoomIndex::size(const std::string& room) const {
  auto it = rooms_.find(room);
  return it == rooms_.end() ? 0 : it->second.size();
}

}  // namespace medcore::realtime
