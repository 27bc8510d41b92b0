// The settings table (platform/core/config.cpp) is the only declaration of a setting: these check
// that it is consistent with itself and that the parser holds values to what it declares.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/core/config.hpp"

using namespace medcore;

namespace {

const Setting& setting(std::string_view variable) {
  for (const auto& s : settings())
    if (s.variable == variable) return s;
  throw std::out_of_range(std::string(variable));
}

// Sets one variable for the length of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

}  // namespace

TEST(Settings, EachVariableIsDeclaredOnceAndFillsItsOwnMember) {
  std::set<std::string_view> variables;
  std::vector<Setting::Field> fields;  // member pointers have == but no order
  for (const auto& s : settings()) {
    EXPECT_TRUE(s.variable.starts_with("MEDCORE_")) << s.variable;
    EXPECT_TRUE(variables.insert(s.variable).second) << s.variable << " declared twice";
    EXPECT_EQ(std::count(fields.begin(), fields.end(), s.field), 0) << s.variable << " fills a member another setting fills";
    fields.push_back(s.field);
    EXPECT_FALSE(s.owner.empty()) << s.variable;
    EXPECT_FALSE(s.meaning.empty()) << s.variable;
  }
}

TEST(Settings, EveryDefaultIsAllowedUnlessItIsWorkedOutAtStart) {
  for (const auto& s : settings()) {
    Config c;
    try {
      apply_setting(s, c, s.fallback);
    } catch (const std::invalid_argument& e) {
      EXPECT_FALSE(s.shown_default.empty()) << s.variable << ": the default '" << s.fallback
                                            << "' is refused by its own rule (" << e.what() << ")";
    }
  }
}

TEST(Settings, ADefaultConfigHoldsTheDeclaredDefaults) {
  const Config c;
  EXPECT_EQ(c.database_url, "sqlite:var/medcore.db");
  EXPECT_EQ(c.session_ttl_seconds, 43200);
  EXPECT_EQ(c.booking_horizon_days, 60);
  EXPECT_TRUE(c.background);
  EXPECT_FALSE(c.cookie_secure);
  EXPECT_EQ(c.mail_transport, "file");
  EXPECT_EQ(c.max_connections_per_ip, -1) << "worked out by resolve_defaults";
  EXPECT_TRUE(c.instance_id.empty()) << "worked out by resolve_defaults";
}

TEST(Settings, TheParserHoldsValuesToTheDeclaredRanges) {
  const auto& horizon = setting("MEDCORE_BOOKING_HORIZON_DAYS");
  Config c;
  apply_setting(horizon, c, "366");
  EXPECT_EQ(c.booking_horizon_days, 366);
  EXPECT_THROW(apply_setting(horizon, c, "367"), std::invalid_argument);
  EXPECT_THROW(apply_setting(horizon, c, "0"), std::invalid_argument);
  EXPECT_THROW(apply_setting(horizon, c, "6O"), std::invalid_argument);
  EXPECT_THROW(apply_setting(setting("MEDCORE_MAIL_TRANSPORT"), c, "pigeon"), std::invalid_argument);
  EXPECT_THROW(apply_setting(setting("MEDCORE_BACKGROUND"), c, "maybe"), std::invalid_argument);
  apply_setting(setting("MEDCORE_BACKGROUND"), c, "no");
  EXPECT_FALSE(c.background);
}

TEST(Settings, TheEnvironmentOverridesDefaultsAndABadValueNamesItsVariable) {
  {
    ScopedEnv lead("MEDCORE_BOOKING_LEAD_MINUTES", "15");
    ScopedEnv url("MEDCORE_PUBLIC_URL", "https://care.example.org/");
    const auto c = Config::from_environment();
    EXPECT_EQ(c.booking_lead_minutes, 15);
    EXPECT_EQ(c.public_url, "https://care.example.org") << "trailing slashes are dropped";
    EXPECT_EQ(c.cancel_cutoff_minutes, 120);
  }
  ScopedEnv bad("MEDCORE_SMTP_STARTTLS", "sometimes");
  try {
    (void)Config::from_environment();
    FAIL() << "accepted MEDCORE_SMTP_STARTTLS=sometimes";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "MEDCORE_SMTP_STARTTLS must be require, try or off");
  }
}

TEST(Settings, TheMarkdownTableHasOneRowPerSetting) {
  const std::string md = settings_markdown();
  std::size_t rows = 0;
  for (std::size_t at = md.find("\n| `MEDCORE_"); at != std::string::npos; at = md.find("\n| `MEDCORE_", at + 1)) ++rows;
  EXPECT_EQ(rows, settings().size());
  EXPECT_NE(md.find("| `MEDCORE_DB_CONNECT_TIMEOUT` | | `5` | 2–300 | db |"), std::string::npos) << md;
}
