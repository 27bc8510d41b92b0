// The pure half of src/realtime: Engine.IO / Socket.IO codecs, request checks, rooms.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>
#include <tuple>

#include "platform/realtime/model.hpp"

using namespace medcore::realtime;
namespace json = boost::json;

TEST(RealtimeBase64, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto text = base64_encode(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    auto back = base64_decode(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 250));
  }
  EXPECT_EQ(base64_encode("\x01\x02\x03\x04"), "AQIDBA==");
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
}

TEST(RealtimeBase64, RefusesMalformedText) {
  for (const char* bad : {"A", "AB", "ABC", "A===", "AB=C", "ab!d", "AQID BA=", "AQ==AQ==", "====", "AQI=\n"})
    EXPECT_FALSE(base64_decode(bad)) << bad;
  EXPECT_EQ(*base64_decode(""), "");
}

TEST(EngineIoCodec, DecodesTextPackets) {
  auto p = eio::decode_text("4hello");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, eio::Type::message);
  EXPECT_EQ(p->view(), "hello");
  EXPECT_FALSE(p->binary);
  EXPECT_EQ(eio::decode_text("2probe")->type, eio::Type::ping);
  EXPECT_EQ(eio::decode_text("6")->type, eio::Type::noop);
  for (const char* bad : {"", "7", "abc", "/", "9x"}) EXPECT_FALSE(eio::decode_text(bad)) << bad;
}

TEST(EngineIoCodec, EncodesAPayloadWithSeparatorsAndBase64) {
  std::vector<eio::Packet> packets{eio::Packet::text(eio::Type::message, "hello"), eio::Packet::bytes("\x01\x02\x03\x04"),
                                   eio::Packet::text(eio::Type::ping)};
  EXPECT_EQ(eio::encode_payload(packets), "4hello\x1e" "bAQIDBA==\x1e" "2");
  EXPECT_EQ(eio::encode_text(packets[0]), "4hello");
}

// The writer sends frame() as it is, so a text packet's frame must carry its type character and
// a binary packet's must not; view() is the data alone either way.
TEST(EngineIoCodec, KeepsEachPacketAsItGoesOnTheWire) {
  const auto text = eio::Packet::text(eio::Type::message, "2[\"relay\"]");
  EXPECT_EQ(text.frame(), "42[\"relay\"]");
  EXPECT_EQ(text.view(), "2[\"relay\"]");
  const auto bytes = eio::Packet::bytes(std::string("\x04\x00", 2));
  EXPECT_EQ(bytes.frame(), std::string_view("\x04\x00", 2));
  EXPECT_EQ(bytes.view(), bytes.frame());
  const auto decoded = eio::decode_text("3probe");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->type, eio::Type::pong);
  EXPECT_EQ(decoded->frame(), "3probe");
  EXPECT_EQ(decoded->view(), "probe");
  // A Socket.IO packet is encoded straight into its Engine.IO message frame.
  const auto frames = sio::encode({sio::Type::event, "/bench", std::nullopt, json::array{"relay", "r"}, {}});
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].frame(), "42/bench,[\"relay\",\"r\"]");
  EXPECT_EQ(frames[0].view(), sio::encode_text({sio::Type::event, "/bench", std::nullopt, json::array{"relay", "r"}, {}}));
}

TEST(EngineIoCodec, DecodesAPayload) {
  auto packets = eio::decode_payload("4test1\x1e" "4test2\x1e" "bAQIDBA==");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 3u);
  EXPECT_EQ((*packets)[1].view(), "test2");
  EXPECT_TRUE((*packets)[2].binary);
  EXPECT_EQ((*packets)[2].view(), std::string("\x01\x02\x03\x04"));
  auto one = eio::decode_payload("3");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->at(0).type, eio::Type::pong);
}

TEST(EngineIoCodec, RefusesMalformedPayloads) {
  for (std::string_view bad : {std::string_view(""), std::string_view("abc"), std::string_view("4a\x1e"),
                               std::string_view("\x1e" "4a"), std::string_view("4a\x1e\x1e" "4b"),
                               std::string_view("b!!"), std::string_view("bAQI")})
    EXPECT_FALSE(eio::decode_payload(bad)) << bad;
}

TEST(EngineIoCodec, PayloadRoundTripsRandomPackets) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<eio::Packet> packets;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) {
      std::string data(rng() % 20, '\0');
      for (auto& c : data) c = static_cast<char>(rng() % 256);
      if (rng() % 2) {
        packets.push_back(eio::Packet::bytes(data));
      } else {
        for (auto& c : data) c = static_cast<char>('a' + (static_cast<unsigned char>(c) % 26));
        packets.push_back(eio::Packet::text(eio::Type::message, data));
      }
    }
    auto back = eio::decode_payload(eio::encode_payload(packets));
    ASSERT_TRUE(back);
    ASSERT_EQ(back->size(), packets.size());
    for (std::size_t i = 0; i < packets.size(); ++i) {
      EXPECT_EQ((*back)[i].binary, packets[i].binary);
      EXPECT_EQ((*back)[i].view(), packets[i].view());
    }
  }
}

TEST(EngineIoRequest, ParsesQueries) {
  auto q = eio::parse_query("/socket.io/?EIO=4&transport=polling&t=N8h&sid=a%2Bb&x=1+2&flag&EIO=3");
  EXPECT_EQ(q.get("EIO"), "4");  // the first occurrence wins
  EXPECT_EQ(q.get("sid"), "a+b");
  EXPECT_EQ(q.get("x"), "1 2");
  EXPECT_TRUE(q.has("flag"));
  EXPECT_FALSE(q.has("missing"));
  EXPECT_TRUE(eio::parse_query("/socket.io/").params.empty());
  EXPECT_EQ(eio::parse_query("/?a=%zz%4").get("a"), "%zz%4");
}

TEST(EngineIoRequest, ChecksHandshakesAsTheProtocolSays) {
  auto check = [](std::string_view method, std::string_view target, bool upgrade = false) {
    return eio::check_request(method, eio::parse_query(target), upgrade);
  };
  auto ok = check("GET", "/?EIO=4&transport=polling");
  EXPECT_FALSE(ok.error);
  EXPECT_TRUE(ok.sid.empty());
  EXPECT_EQ(*check("GET", "/?transport=polling").error, eio::Error::unsupported_protocol_version);
  EXPECT_EQ(*check("GET", "/?EIO=3&transport=polling").error, eio::Error::unsupported_protocol_version);
  EXPECT_EQ(*check("GET", "/?EIO=4").error, eio::Error::transport_unknown);
  EXPECT_EQ(*check("GET", "/?EIO=4&transport=tobi").error, eio::Error::transport_unknown);
  EXPECT_EQ(*check("POST", "/?EIO=4&transport=polling").error, eio::Error::bad_handshake_method);
  EXPECT_EQ(*check("GET", "/?EIO=4&transport=websocket").error, eio::Error::bad_request);  // no Upgrade
  EXPECT_EQ(*check("GET", "/?EIO=4&transport=polling", true).error, eio::Error::bad_request);
  EXPECT_EQ(*check("GET", "/?EIO=4&transport=polling&sid=").error, eio::Error::session_unknown);
  EXPECT_EQ(*check("PUT", "/?EIO=4&transport=polling&sid=abc").error, eio::Error::bad_request);
  auto ws = check("GET", "/?EIO=4&transport=websocket&sid=abc", true);
  EXPECT_FALSE(ws.error);
  EXPECT_EQ(ws.transport, eio::Transport::websocket);
  EXPECT_EQ(ws.sid, "abc");
  EXPECT_FALSE(check("POST", "/?EIO=4&transport=polling&sid=abc").error);
}

TEST(EngineIoRequest, ErrorBodiesAndOpenPacket) {
  EXPECT_EQ(eio::error_body(eio::Error::session_unknown), R"({"code":1,"message":"Session ID unknown"})");
  EXPECT_EQ(eio::error_body(eio::Error::transport_unknown), R"({"code":0,"message":"Transport unknown"})");
  EXPECT_EQ(eio::error_body(eio::Error::bad_handshake_method), R"({"code":2,"message":"Bad handshake method"})");
  auto open = json::parse(eio::open_payload("abc", true, {300, 200, 1000000})).as_object();
  EXPECT_EQ(open.at("sid"), "abc");
  EXPECT_EQ(open.at("upgrades"), json::array({"websocket"}));
  EXPECT_EQ(open.at("pingInterval"), 300);
  EXPECT_EQ(open.at("pingTimeout"), 200);
  EXPECT_EQ(open.at("maxPayload"), 1000000);
  EXPECT_EQ(json::parse(eio::open_payload("x", false, {})).at("upgrades"), json::array());
}

namespace {
sio::Packet decode_one(std::string_view text) {
  sio::Decoder d;
  auto r = d.feed_text(text);
  EXPECT_EQ(r.status, sio::Decoder::Status::packet) << text << ": " << r.error;
  return r.packet;
}
bool refused(std::string_view text) {
  sio::Decoder d;
  return d.feed_text(text).status == sio::Decoder::Status::error;
}
}  // namespace

TEST(SocketIoCodec, EncodesTheProtocolExamples) {
  EXPECT_EQ(sio::encode_text({sio::Type::connect, "/", std::nullopt, std::nullopt, {}}), "0");
  EXPECT_EQ(sio::encode_text({sio::Type::connect, "/admin", std::nullopt, json::object{{"sid", "oSO"}}, {}}),
            R"(0/admin,{"sid":"oSO"})");
  EXPECT_EQ(sio::encode_text({sio::Type::connect_error, "/", std::nullopt, json::object{{"message", "Not authorized"}}, {}}),
            R"(4{"message":"Not authorized"})");
  EXPECT_EQ(sio::encode_text({sio::Type::event, "/", std::nullopt, json::array{"foo"}, {}}), R"(2["foo"])");
  EXPECT_EQ(sio::encode_text({sio::Type::event, "/admin", std::nullopt, json::array{"bar"}, {}}), R"(2/admin,["bar"])");
  EXPECT_EQ(sio::encode_text({sio::Type::event, "/", 12, json::array{"foo"}, {}}), R"(212["foo"])");
  EXPECT_EQ(sio::encode_text({sio::Type::ack, "/admin", 13, json::array{"bar"}, {}}), R"(3/admin,13["bar"])");
  EXPECT_EQ(sio::encode_text({sio::Type::disconnect, "/admin", std::nullopt, std::nullopt, {}}), "1/admin,");
}

TEST(SocketIoCodec, EncodesBinaryWithAttachments) {
  sio::Payload payload;
  payload.add("baz").add_binary("\x01\x02").add_binary("\x03\x04");
  json::array data{"ev"};
  for (auto& a : payload.args) data.push_back(a);
  sio::Packet p{sio::Type::event, "/admin", std::nullopt, json::value(data), payload.binaries};
  auto frames = sio::encode(p);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].view(),
            R"(52-/admin,["ev","baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  EXPECT_TRUE(frames[1].binary);
  EXPECT_EQ(frames[2].view(), std::string("\x03\x04"));
  sio::Packet ack{sio::Type::ack, "/", 15, json::array{"bar", json::object{{"_placeholder", true}, {"num", 0}}}, {"x"}};
  EXPECT_EQ(sio::encode_text(ack), R"(61-15["bar",{"_placeholder":true,"num":0}])");
}

TEST(SocketIoCodec, DecodesPackets) {
  auto c = decode_one("0");
  EXPECT_EQ(c.type, sio::Type::connect);
  EXPECT_EQ(c.nsp, "/");
  EXPECT_FALSE(c.data);
  auto ca = decode_one(R"(0/admin,{"token":"123"})");
  EXPECT_EQ(ca.nsp, "/admin");
  EXPECT_EQ(ca.data->at("token"), "123");
  EXPECT_EQ(decode_one("0/admin").nsp, "/admin");
  auto e = decode_one(R"(2/chat,456["message",1,"2",{"3":[false]}])");
  EXPECT_EQ(e.type, sio::Type::event);
  EXPECT_EQ(e.nsp, "/chat");
  EXPECT_EQ(*e.id, 456);
  EXPECT_EQ(e.data->as_array().size(), 4u);
  auto a = decode_one("3/admin,13[]");
  EXPECT_EQ(a.type, sio::Type::ack);
  EXPECT_EQ(*a.id, 13);
  EXPECT_EQ(decode_one("1/admin,").type, sio::Type::disconnect);
}

TEST(SocketIoCodec, ReassemblesBinaryPackets) {
  sio::Decoder d;
  auto r = d.feed_text(R"(52-/x,7["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  EXPECT_EQ(r.status, sio::Decoder::Status::need_more);
  EXPECT_TRUE(d.waiting_for_attachments());
  EXPECT_EQ(d.feed_binary("\x01").status, sio::Decoder::Status::need_more);
  r = d.feed_binary("\x02");
  ASSERT_EQ(r.status, sio::Decoder::Status::packet);
  EXPECT_EQ(r.packet.type, sio::Type::binary_event);
  EXPECT_EQ(r.packet.nsp, "/x");
  EXPECT_EQ(*r.packet.id, 7);
  EXPECT_EQ(r.packet.attachments, (std::vector<std::string>{"\x01", "\x02"}));
  EXPECT_FALSE(d.waiting_for_attachments());
  // Text while attachments are expected, and a binary out of the blue, are errors.
  EXPECT_EQ(d.feed_text(R"(51-["m",{"_placeholder":true,"num":0}])").status, sio::Decoder::Status::need_more);
  EXPECT_EQ(d.feed_text(R"(2["m"])").status, sio::Decoder::Status::error);
  sio::Decoder fresh;
  EXPECT_EQ(fresh.feed_binary("x").status, sio::Decoder::Status::error);
}

TEST(SocketIoCodec, RefusesInvalidPackets) {
  for (const char* bad : {"", "abc", "7", "9[]", R"(2{})", R"(2abc["message"])", "2[]", R"(2[1,)", R"(2["connect"])",
                          R"(2["disconnect"])", R"(2[{"a":1}])", R"(3[1])", R"(3/x,{})", R"(0"string")", R"(0[1])",
                          R"(1{"a":1})", R"(4[])", "5-[]", "5x-[]", "5999999-[]", "2x,[\"a\"]",
                          R"(2/ns,1234567890123456["a"])"})
    EXPECT_TRUE(refused(bad)) << bad;
  // A placeholder naming an attachment that is not there fails once the attachments are in.
  sio::Decoder d;
  ASSERT_EQ(d.feed_text(R"(51-["m",{"_placeholder":true,"num":3}])").status, sio::Decoder::Status::need_more);
  EXPECT_EQ(d.feed_binary("x").status, sio::Decoder::Status::error);
}

TEST(SocketIoCodec, RoundTripsThroughTheDecoder) {
  sio::Packet p{sio::Type::event, "/chat", 99, json::array{"send", "text", json::object{{"k", nullptr}}}, {}};
  auto back = decode_one(sio::encode_text(p));
  EXPECT_EQ(back.nsp, "/chat");
  EXPECT_EQ(*back.id, 99);
  EXPECT_EQ(*back.data, *p.data);
}

TEST(SocketIoHandshake, AuthIsTheConnectPayloadOrAnEmptyObject) {
  EXPECT_EQ(sio::connect_auth(decode_one("0")), json::object());
  EXPECT_EQ(sio::connect_auth(decode_one("0/custom,")), json::object());
  EXPECT_EQ(sio::connect_auth(decode_one("0{}")), json::object());
  EXPECT_EQ(sio::connect_auth(decode_one(R"(0/custom,{"token":"abc","n":[1]})")),
            (json::object{{"token", "abc"}, {"n", json::array{1}}}));
}

TEST(Broadcasts, EncodeAndDecodeBetweenInstances) {
  BroadcastPacket b;
  b.nsp = "/chat";
  b.rooms = {"conversation:1", "conversation:2"};
  b.except_rooms = {"muted"};
  b.except_sid = "abc";
  b.frames = sio::encode({sio::Type::event, "/chat", std::nullopt, json::array{"m", "x"}, {std::string("\0\xff", 2)}});
  auto text = encode_broadcast(b, "instance-1");
  auto d = decode_broadcast(text);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->origin, "instance-1");
  EXPECT_EQ(d->packet.nsp, "/chat");
  EXPECT_EQ(d->packet.rooms, b.rooms);
  EXPECT_EQ(d->packet.except_rooms, b.except_rooms);
  EXPECT_EQ(d->packet.except_sid, "abc");
  ASSERT_EQ(d->packet.frames.size(), 2u);
  EXPECT_EQ(d->packet.frames[0].view(), b.frames[0].view());
  EXPECT_TRUE(d->packet.frames[1].binary);
  EXPECT_EQ(d->packet.frames[1].view(), std::string("\0\xff", 2));
  for (const char* bad : {"", "[]", "{}", R"({"o":"a","n":"/","s":"","r":[],"x":[],"f":[]})",
                          R"({"o":"a","n":"/","s":"","r":[1],"x":[],"f":["42[]"]})",
                          R"({"o":"a","n":"/","s":"","r":[],"x":[],"f":[{"b":"!"}]})"})
    EXPECT_FALSE(decode_broadcast(bad)) << bad;
  EXPECT_FALSE(d->packet.disconnect);
}

// A revoked user's sockets are closed on every instance: the order travels like a broadcast.
TEST(Broadcasts, CarryADisconnectOrderWithOrWithoutAnEventFirst) {
  BroadcastPacket b;
  b.nsp = "/chat";
  b.rooms = {"user:7"};
  b.except_rooms = {"session:9"};
  b.disconnect = true;
  auto bare = decode_broadcast(encode_broadcast(b, "i"));
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->packet.disconnect);
  EXPECT_TRUE(bare->packet.frames.empty());
  EXPECT_EQ(bare->packet.rooms, b.rooms);
  EXPECT_EQ(bare->packet.except_rooms, b.except_rooms);

  b.frames = sio::encode({sio::Type::event, "/chat", std::nullopt, json::array{"session_ended", "x"}, {}});
  auto told = decode_broadcast(encode_broadcast(b, "i"));
  ASSERT_TRUE(told);
  EXPECT_TRUE(told->packet.disconnect);
  ASSERT_EQ(told->packet.frames.size(), 1u);
  EXPECT_EQ(told->packet.frames[0].view(), b.frames[0].view());
  EXPECT_FALSE(decode_broadcast(R"({"o":"a","n":"/","s":"","r":[],"x":[],"f":[],"d":"yes"})"));
  EXPECT_FALSE(decode_broadcast(R"({"o":"a","n":"/","s":"","r":[],"x":[],"f":[],"d":false})"));
}

TEST(Rooms, SelectsMembersWithExclusions) {
  RoomIndex rooms;
  for (const char* sid : {"a", "b", "c", "d"}) rooms.join(sid, sid);
  rooms.join("a", "r1");
  rooms.join("b", "r1");
  rooms.join("c", "r2");
  rooms.join("b", "r2");
  using V = std::vector<std::string>;
  EXPECT_EQ(rooms.select({"r1"}, {}, ""), (V{"a", "b"}));
  EXPECT_EQ(rooms.select({"r1"}, {}, "a"), (V{"b"}));
  EXPECT_EQ(rooms.select({"r1", "r2"}, {}, ""), (V{"a", "b", "c"}));
  EXPECT_EQ(rooms.select({"r1", "r2"}, {"r2"}, ""), (V{"a"}));
  EXPECT_EQ(rooms.select({}, {}, "d"), (V{"a", "b", "c"}));
  EXPECT_EQ(rooms.select({"nobody"}, {}, ""), V{});
  // The in-place visit selects exactly what select() returns.
  for (const auto& [in, out, sender] : std::vector<std::tuple<V, V, std::string>>{
           {{"r1"}, {}, ""}, {{"r1"}, {}, "a"}, {{"r1", "r2"}, {"r2"}, ""}, {{}, {}, "d"}, {{"nobody"}, {}, ""}}) {
    V visited;
    rooms.for_each_selected(in, out, sender, [&visited](const std::string& sid) { visited.push_back(sid); });
    EXPECT_EQ(visited, rooms.select(in, out, sender));
  }
  rooms.leave("b", "r1");
  EXPECT_EQ(rooms.select({"r1"}, {}, ""), (V{"a"}));
  rooms.leave_all("a");
  EXPECT_EQ(rooms.size("r1"), 0u);
  EXPECT_EQ(rooms.rooms_of("a"), std::set<std::string>{});
  EXPECT_EQ(rooms.rooms_of("b"), (std::set<std::string>{"b", "r2"}));
  EXPECT_EQ(rooms.select({}, {}, ""), (V{"b", "c", "d"}));
  EXPECT_EQ(rooms.room_count(), 4u);  // b, c, d, r2: empty rooms are dropped
}

TEST(NotifySplit, ShortMessagesGoAsTheyAre) {
  EXPECT_EQ(split_notify("{\"a\":1}", "me", 1, 7999), std::vector<std::string>{"{\"a\":1}"});
  NotifyAssembler a;
  EXPECT_EQ(*a.add("{\"a\":1}", 0), "{\"a\":1}");
}

TEST(NotifySplit, LongMessagesAreCutOnUtf8BoundariesAndReassembled) {
  std::string message = "{\"text\":\"";
  for (int i = 0; i < 5000; ++i) message += (i % 3 == 0) ? "\xE2\x82\xAC" : (i % 3 == 1 ? "\xC3\xA9" : "x");  // € é x
  message += "\"}";
  auto parts = split_notify(message, "inst", 42, 1000);
  ASSERT_GT(parts.size(), 10u);
  for (const auto& p : parts) {
    EXPECT_LE(p.size(), 1000u);
    EXPECT_EQ(p[0], '~');
    // Each part's data starts at a character boundary (never a continuation byte).
    const auto data = std::string_view(p).substr(p.find(' ', p.find(' ', p.find(' ', p.find(' ') + 1) + 1) + 1) + 1);
    ASSERT_FALSE(data.empty());
    EXPECT_NE(static_cast<unsigned char>(data[0]) & 0xC0, 0x80);
  }
  NotifyAssembler a;
  // Another sender's parts interleave; order within one message may vary.
  auto other = split_notify(message, "other", 42, 1000);
  std::optional<std::string> mine, theirs;
  for (std::size_t i = parts.size(); i-- > 0;) {
    if (auto whole = a.add(parts[i], 10)) mine = whole;
    if (i < other.size())
      if (auto whole = a.add(other[i], 10)) theirs = whole;
  }
  ASSERT_TRUE(mine);
  ASSERT_TRUE(theirs);
  EXPECT_EQ(*mine, message);
  EXPECT_EQ(*theirs, message);
  EXPECT_EQ(a.pending(), 0u);
}

TEST(NotifySplit, DropsMalformedRepeatedStaleAndOversizedParts) {
  NotifyAssembler a(/*max_pending_bytes=*/5000, /*max_age_ms=*/100);
  for (const char* bad : {"~", "~a", "~a 1 0", "~a 1 0 1 x", "~a 1 2 2 x", "~a 1 x 2 y", "~a 1 0 0 y"})
    EXPECT_FALSE(a.add(bad, 0)) << bad;
  EXPECT_FALSE(a.add("~a 7 0 2 he", 0));
  EXPECT_FALSE(a.add("~a 7 0 2 he", 0));  // repeated part ignored
  EXPECT_FALSE(a.add("~a 7 0 3 zz", 0));  // count disagrees
  EXPECT_EQ(*a.add("~a 7 1 2 llo", 50), "hello");
  EXPECT_FALSE(a.add("~a 8 0 2 he", 0));
  EXPECT_FALSE(a.add("~a 8 1 2 llo", 500));  // the first part expired meanwhile
  EXPECT_EQ(a.pending(), 1u);                 // only the late second part waits (and will expire)
  const std::string big(6000, 'x');
  EXPECT_FALSE(a.add("~b 1 0 2 " + big, 500));  // beyond max_pending_bytes: dropped
  EXPECT_FALSE(a.add("~b 1 1 2 y", 500));
}
