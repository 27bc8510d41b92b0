#pragma once
// The pure half of the realtime module: Engine.IO v4 and Socket.IO v5 packet codecs, the
// handshake request checks and the room index. No I/O, no Beast: unit-tested on their own
// (tests/unit/realtime_model_test.cpp) and in the sanitizer build.
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace medcore::realtime {

// --- base64 (standard alphabet, padded), as Engine.IO uses for binary over long-polling -------
std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);

namespace eio {

enum class Type : char { open = '0', close = '1', ping = '2', pong = '3', message = '4', upgrade = '5', noop = '6' };

// One Engine.IO packet. A binary packet is always a message; its data is the raw bytes.
// The packet is kept as it goes on the wire (a text packet's type character, then its data), and
// shared: one broadcast is encoded once and every recipient's writer sends the same bytes.
struct Packet {
  Type type = Type::message;
  bool binary = false;
  std::shared_ptr<const std::string> wire;

  static Packet text(Type t, std::string_view d = {});
  // `frame` is a whole text frame: the type character, then the data.
  static Packet from_frame(std::string frame);
  static Packet bytes(std::string d);
  // The data (without the type character).
  std::string_view view() const {
    if (!wire) return {};
    return binary ? std::string_view(*wire) : std::string_view(*wire).substr(1);
  }
  // What a WebSocket frame carries: the text frame or the binary data.
  std::string_view frame() const { return wire ? std::string_view(*wire) : std::string_view(); }
};

// WebSocket text frame / one polling record → packet; nullopt when malformed.
std::optional<Packet> decode_text(std::string_view frame);
// Whether a text frame is a well-formed packet (a known type character first).
inline bool valid_text(std::string_view frame) { return !frame.empty() && frame[0] >= '0' && frame[0] <= '6'; }
// A text frame: type character + data. (Binary packets go out as binary frames, unencoded.)
std::string encode_text(const Packet& p);
// Long-polling body: records separated by \x1e, binary records as 'b' + base64.
std::string encode_payload(const std::vector<Packet>& packets);
// nullopt when any record is malformed (the session is then closed, as the protocol says).
std::optional<std::vector<Packet>> decode_payload(std::string_view body);

// The protocol's error codes for rejected HTTP requests (always answered 400, JSON body).
enum class Error { transport_unknown = 0, session_unknown = 1, bad_handshake_method = 2, bad_request = 3,
                   forbidden = 4, unsupported_protocol_version = 5 };
std::string error_body(Error e);  // {"code":N,"message":"..."}

enum class Transport { polling, websocket };

// What an incoming request under the mount point asks for, or why it is refused.
struct RequestCheck {
  std::optional<Error> error;
  Transport transport = Transport::polling;
  std::string sid;  // empty: a new session (handshake)
};
struct Query {
  std::map<std::string, std::string> params;
  std::string get(const std::string& name) const;
  bool has(const std::string& name) const { return params.count(name) != 0; }
};
// Decodes the query string of a request target ("/socket.io/?EIO=4&transport=polling").
Query parse_query(std::string_view target);
// The checks of the protocol: EIO=4, a known transport, GET for a handshake, a WebSocket
// transport only with an Upgrade request.
RequestCheck check_request(std::string_view method, const Query& query, bool websocket_upgrade);

struct HandshakeSettings {
  int ping_interval_ms = 25000;
  int ping_timeout_ms = 20000;
  std::size_t max_payload = 1000000;
};
// The open packet's JSON: sid, upgrades, pingInterval, pingTimeout, maxPayload.
std::string open_payload(const std::string& sid, bool can_upgrade, const HandshakeSettings& s);

}  // namespace eio

namespace sio {

enum class Type : int { connect = 0, disconnect = 1, event = 2, ack = 3, connect_error = 4, binary_event = 5,
                        binary_ack = 6 };

// Arguments of an event or an ack. Binary values are placeholders {"_placeholder":true,"num":i}
// in `args`, their bytes in `binaries[i]`, exactly as they travel.
struct Payload {
  boost::json::array args;
  std::vector<std::string> binaries;

  // Appends a binary argument and returns nothing; the placeholder is added to args.
  Payload& add_binary(std::string bytes);
  Payload& add(boost::json::value v);
};

struct Packet {
  Type type = Type::event;
  std::string nsp = "/";
  std::optional<std::int64_t> id;
  std::optional<boost::json::value> data;  // CONNECT: object; EVENT/ACK: array; CONNECT_ERROR: object
  std::vector<std::string> attachments;
};

// Packet → Engine.IO packets: one text packet, then one binary packet per attachment.
// Binary types are chosen from the attachment count (EVENT with attachments → BINARY_EVENT).
std::vector<eio::Packet> encode(const Packet& p);
std::string encode_text(const Packet& p);  // the text part alone

// Reassembles packets from Engine.IO messages (text header, then binary attachments).
class Decoder {
 public:
  enum class Status { packet, need_more, error };
  struct Result {
    Status status;
    Packet packet;        // when status == packet
    std::string error;    // when status == error
  };
  Result feed_text(std::string_view text);
  Result feed_binary(std::string bytes);
  bool waiting_for_attachments() const { return pending_.has_value(); }

 private:
  std::optional<Packet> pending_;
  std::size_t expected_ = 0;
};

// Structural checks of the protocol: namespace starts with '/', EVENT data is a non-empty array
// whose first element is a string, ACK data is an array, CONNECT data (if any) is an object,
// placeholders refer to existing attachments.
std::optional<std::string> validate(const Packet& p);

// The `auth` a namespace's hooks and handlers see for a (validated) CONNECT: its payload, or an
// empty object when the client sent none — as the reference server does, so a handler can read
// fields of it without a null check and `socket.handshake.auth` means the same on every server.
boost::json::object connect_auth(const Packet& connect);

}  // namespace sio

// One emit to a set of rooms, as adapters carry it between instances.
struct BroadcastPacket {
  std::string nsp = "/";
  std::vector<std::string> rooms;         // empty: every socket of the namespace
  std::vector<std::string> except_rooms;
  std::string except_sid;                 // the sender, for socket.to(room).emit
  std::vector<eio::Packet> frames;        // the encoded Socket.IO packet (text, then attachments)
  // The selected sockets leave the namespace after `frames` (none is fine) are sent: Socket.IO's
  // disconnectSockets(), carried like a broadcast so that it reaches every instance.
  bool disconnect = false;
};
// A broadcast as one text message (JSON; binary frames in base64) for a bus between
// instances, tagged with the sending instance so it can skip its own.
std::string encode_broadcast(const BroadcastPacket& b, const std::string& origin);
struct DecodedBroadcast {
  std::string origin;
  BroadcastPacket packet;
};
std::optional<DecodedBroadcast> decode_broadcast(std::string_view text);

// PostgreSQL NOTIFY payloads are limited to 8000 bytes: a longer message goes as several
// notifications "~ORIGIN ID INDEX COUNT DATA" (split on UTF-8 boundaries, sent in one transaction)
// and is put together again by the receivers. A message that fits goes as it is.
std::vector<std::string> split_notify(const std::string& message, const std::string& origin, std::uint64_t id,
                                      std::size_t max_bytes);
class NotifyAssembler {
 public:
  explicit NotifyAssembler(std::size_t max_pending_bytes = 64 * 1024 * 1024, std::int64_t max_age_ms = 30000)
      : max_pending_bytes_(max_pending_bytes), max_age_ms_(max_age_ms) {}
  // The whole message once complete (at once for an unsplit one); nullopt while parts are
  // missing or when the notification is malformed. Incomplete messages older than max_age_ms
  // and any beyond max_pending_bytes are dropped.
  std::optional<std::string> add(std::string_view notification, std::int64_t now_ms);
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Partial {
    std::vector<std::string> parts;
    std::size_t received = 0;
    std::size_t bytes = 0;
    std::int64_t first_ms = 0;
  };
  std::size_t max_pending_bytes_;
  std::int64_t max_age_ms_;
  std::size_t pending_bytes_ = 0;
  std::map<std::string, Partial> pending_;  // key: origin + ' ' + id
};

// Which sockets of one namespace are in which room. Not thread-safe (the caller locks).
class RoomIndex {
 public:
  void join(const std::string& sid, const std::string& room);
  void leave(const std::string& sid, const std::string& room);
  void leave_all(const std::string& sid);
  // Sockets in any of `rooms` (every socket when `rooms` is empty), minus those in any of
  // `except_rooms`, minus `except_sid`.
  std::vector<std::string> select(const std::vector<std::string>& rooms, const std::vector<std::string>& except_rooms,
                                  const std::string& except_sid) const;
  // The same selection, each sid visited in place (no copies: a broadcast's per-recipient path).
  template <class Visit>
  void for_each_selected(const std::vector<std::string>& rooms, const std::vector<std::string>& except_rooms,
                         const std::string& except_sid, Visit&& visit) const {
    if (rooms.size() == 1 && except_rooms.empty()) {
      auto it = rooms_.find(rooms[0]);
      if (it == rooms_.end()) return;
      for (const auto& sid : it->second)
        if (sid != except_sid) visit(sid);
      return;
    }
    for (const auto& sid : select(rooms, except_rooms, except_sid)) visit(sid);
  }
  std::set<std::string> rooms_of(const std::string& sid) const;
  std::size_t room_count() const { return rooms_.size(); }
  std::size_t size(const std::string& room) const;

 private:
  std::unordered_map<std::string, std::set<std::string>> rooms_;  // room → sids (looked up per broadcast)
  std::map<std::string, std::set<std::string>> members_;  // sid → rooms
};

}  // namespace medcore::realtime
