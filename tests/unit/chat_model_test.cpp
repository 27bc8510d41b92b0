#include <gtest/gtest.h>

#include "features/chat/model.hpp"

using namespace medcore::chat;
using medcore::DoctorStatus;
using medcore::Role;

TEST(ChatModel, TextIsTrimmedAndChecked) {
  EXPECT_EQ(*check_text("  hello \n").text, "hello");
  EXPECT_EQ(*check_text("a\r\nb\rc").text, "a\nb\nc");
  EXPECT_EQ(*check_text("<b>x</b> & y").text, "<b>x</b> & y");  // stored as text, never interpreted
  EXPECT_FALSE(check_text("   ").text);
  EXPECT_FALSE(check_text("").text);
  EXPECT_FALSE(check_text(std::string("a\0b", 3)).text);
  EXPECT_FALSE(check_text("bad \x1b[31m").text);
  EXPECT_FALSE(check_text("\xC3").text);       // cut UTF-8
  EXPECT_FALSE(check_text("\xC0\xAF").text);   // overlong
  EXPECT_TRUE(check_text(std::string(kMaxMessageChars, 'x')).text);
  EXPECT_FALSE(check_text(std::string(kMaxMessageChars + 1, 'x')).text);
  std::string emoji;
  for (std::size_t i = 0; i < kMaxMessageChars; ++i) emoji += "\xF0\x9F\x98\x80";  // counted in characters
  EXPECT_TRUE(check_text(emoji).text);
  // The core multi-line text rule: C1 controls, separators and direction overrides are refused;
  // emoji sequences are kept; the text is NFC.
  EXPECT_FALSE(check_text("pay \xE2\x80\xAE" "0001 now").text) << "U+202E";
  EXPECT_FALSE(check_text("a\xC2\x85" "b").text) << "U+0085";
  EXPECT_FALSE(check_text("a\xE2\x80\xA8" "b").text) << "U+2028";
  EXPECT_FALSE(check_text("\xC2\xA0\xE3\x80\x80").text) << "only no-break and ideographic spaces";
  EXPECT_EQ(*check_text("Jose\xCC\x81").text, "Jos\xC3\xA9");
  EXPECT_TRUE(check_text("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9").text) << "man ZWJ woman";
}

TEST(ChatModel, ClientMessageIds) {
  EXPECT_TRUE(valid_client_message_id("c-1"));
  EXPECT_TRUE(valid_client_message_id("2f6a:9b_x.y"));
  EXPECT_FALSE(valid_client_message_id(""));
  EXPECT_FALSE(valid_client_message_id("with space"));
  EXPECT_FALSE(valid_client_message_id(std::string(65, 'a')));
  EXPECT_TRUE(valid_client_message_id(std::string(64, 'a')));
}

TEST(ChatModel, PreviewCutsOnCharacters) {
  EXPECT_EQ(preview("short"), "short");
  EXPECT_EQ(preview("ééé", 2), "éé…");
  EXPECT_EQ(preview("abc", 3), "abc");
}

TEST(ChatModel, AlertEveryFifteenMinutesAtMost) {
  EXPECT_TRUE(alert_due(std::nullopt, 1000));
  EXPECT_FALSE(alert_due(0, kAlertInterval - 1));
  EXPECT_TRUE(alert_due(0, kAlertInterval));
}

TEST(ChatModel, SocketBudget) {
  SocketBudget b(10.0, 3.0);
  EXPECT_TRUE(b.take(1000));
  EXPECT_TRUE(b.take(1000));
  EXPECT_TRUE(b.take(1000));
  EXPECT_FALSE(b.take(1000));
  EXPECT_TRUE(b.take(1100));  // 100 ms at 10/s = one token
  EXPECT_FALSE(b.take(1100));
}

TEST(ChatModel, Rooms) {
  EXPECT_EQ(conversation_room(42), "conversation:42");
  EXPECT_EQ(user_room(7), "user:7");
  EXPECT_EQ(presence_room(7), "presence:7");
  EXPECT_EQ(session_room(9), "session:9");
}

TEST(ChatModel, PatientsAndApprovedDoctorsMayChat) {
  EXPECT_TRUE(may_chat(Role::patient, std::nullopt));
  EXPECT_TRUE(may_chat(Role::doctor, DoctorStatus::approved));
  for (auto status : {std::optional(DoctorStatus::pending), std::optional(DoctorStatus::rejected),
                      std::optional(DoctorStatus::suspended), std::optional<DoctorStatus>()})
    EXPECT_FALSE(may_chat(Role::doctor, status)) << (status ? to_string(*status) : "none");
  EXPECT_FALSE(may_chat(Role::admin, std::nullopt));
}

TEST(ChatModel, PresenceNeedsARecentRefresh) {
  EXPECT_FALSE(presence_online(0, 1000, 1000));
  EXPECT_FALSE(presence_online(1, std::nullopt, 1000));
  EXPECT_TRUE(presence_online(1, 1000, 1000 + kPresenceStale - 1));
  EXPECT_FALSE(presence_online(2, 1000, 1000 + kPresenceStale));
}
