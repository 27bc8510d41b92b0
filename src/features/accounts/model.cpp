#include "features/accounts/model.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>

#include "platform/core/crypto.hpp"
#include "platform/core/problem.hpp"

namespace medcore::embedded {
std::string_view common_passwords();  // generated from src/features/accounts/common_passwords.txt
}

namespace medcore::accounts {

// ---- doctor review ----------------------------------------------------------------------------

Transition transition_for(DoctorAction action) {
  switch (action) {
    case DoctorAction::approve: return {DoctorStatus::pending, DoctorStatus::approved};
    case DoctorAction::reject: return {DoctorStatus::pending, DoctorStatus::rejected};
    case DoctorAction::suspend: return {DoctorStatus::approved, DoctorStatus::suspended};
    case DoctorAction::reinstate: return {DoctorStatus::suspended, DoctorStatus::approved};
  }
  return {DoctorStatus::pending, DoctorStatus::approved};
}

bool can_transition(DoctorStatus from, DoctorStatus to) {
  for (DoctorAction a : {DoctorAction::approve, DoctorAction::reject, DoctorAction::suspend, DoctorAction::reinstate}) {
    const auto t = transition_for(a);
    if (t.from == from && t.to == to) return true;
  }
  return false;
}

bool revokes_access(DoctorAction action) { return transition_for(action).to != DoctorStatus::approved; }

bool requires_reason(DoctorAction action) {
  return action == DoctorAction::reject || action == DoctorAction::suspend;
}

std::string_view audit_action_for(DoctorAction action) {
  switch (action) {
    case DoctorAction::approve: return "admin.doctor_approved";
    case DoctorAction::reject: return "admin.doctor_rejected";
    case DoctorAction::suspend: return "admin.doctor_suspended";
    case DoctorAction::reinstate: return "admin.doctor_reinstated";
  }
  return "admin.doctor_approved";
}

std::string_view mail_template_for(DoctorAction action) {
  switch (action) {
    case DoctorAction::approve: return "doctor_approved";
    case DoctorAction::reject: return "doctor_rejected";
    case DoctorAction::suspend: return "doctor_suspended";
    case DoctorAction::reinstate: return "doctor_reinstated";
  }
  return "doctor_approved";
}

// ---- JSON shapes ----------------------------------------------------------------------------

namespace {
boost::json::value opt(const std::optional<std::string>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}
}  // namespace

boost::json::object user_json(const User& user, std::string_view currency) {
  boost::json::object o;
  o["id"] = user.id;
  o["email"] = user.email;
  o["name"] = user.name;
  o["role"] = to_string(user.role);
  o["phone"] = opt(user.phone);
  o["created_at"] = iso8601(user.created_at);
  if (user.role == Role::patient && user.patient) {
    o["patient"] = {{"date_of_birth", user.patient->date_of_birth},
                    {"sex", user.patient->sex},
                    {"time_zone", user.patient->time_zone}};
  } else {
    o["patient"] = nullptr;
  }
  if (user.role == Role::doctor && user.doctor) {
    const auto& d = *user.doctor;
    boost::json::object doc;
    doc["specialty"] = d.specialty;
    doc["licence_number"] = d.licence_number;
    doc["years_experience"] = d.years_experience;
    doc["bio"] = d.bio;
    doc["consultation_fee_cents"] = d.consultation_fee_cents;
    doc["currency"] = currency;
    doc["status"] = to_string(d.status);
    doc["status_reason"] = opt(d.status_reason);
    o["doctor"] = std::move(doc);
  } else {
    o["doctor"] = nullptr;
  }
  return o;
}

boost::json::object public_doctor_json(const DoctorView& doctor, std::string_view currency) {
  boost::json::object o;
  o["id"] = doctor.id;
  o["name"] = doctor.name;
  o["specialty"] = doctor.profile.specialty;
  o["years_experience"] = doctor.profile.years_experience;
  o["bio"] = doctor.profile.bio;
  o["consultation_fee_cents"] = doctor.profile.consultation_fee_cents;
  o["currency"] = currency;
  return o;
}

boost::json::object admin_doctor_json(const DoctorView& doctor, std::string_view currency) {
  boost::json::object o = public_doctor_json(doctor, currency);
  o["email"] = doctor.email;
  o["phone"] = opt(doctor.phone);
  o["licence_number"] = doctor.profile.licence_number;
  o["status"] = to_string(doctor.profile.status);
  o["status_reason"] = opt(doctor.profile.status_reason);
  o["created_at"] = iso8601(doctor.created_at);
  o["reviewed_at"] =
      doctor.profile.reviewed_at ? boost::json::value(iso8601(*doctor.profile.reviewed_at)) : boost::json::value(nullptr);
  return o;
}

// ---- field rules ----------------------------------------------------------------------------

bool valid_phone(std::string_view phone) {
  if (phone.size() < 6 || phone.size() > 20) return false;
  return std::all_of(phone.begin(), phone.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == ' ' || c == '+' || c == '-' || c == '(' || c == ')';
  });
}

bool valid_licence_number(std::string_view licence) {
  if (licence.size() < 3 || licence.size() > 40) return false;
  return std::all_of(licence.begin(), licence.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '/' ||
           c == '.';
  });
}

PasswordList::PasswordList(std::string_view lines) {
  while (!lines.empty()) {
    const auto end = lines.find('\n');
    std::string_view line = lines.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) sorted_.push_back(ascii_lower(line));
    if (end == std::string_view::npos) break;
    lines.remove_prefix(end + 1);
  }
  std::sort(sorted_.begin(), sorted_.end());
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
}

bool PasswordList::contains(std::string_view password) const {
  return std::binary_search(sorted_.begin(), sorted_.end(), ascii_lower(password));
}

const PasswordList& common_passwords() {
  static const PasswordList list(embedded::common_passwords());
  return list;
}

std::optional<std::string> read_new_password(JsonInput& in, std::string_view field, bool required) {
  auto password = in.password(field, required);
  if (password && common_passwords().contains(*password)) {
    in.fail(std::string(field), "is one of the most common passwords, the first ones anyone guesses; choose another");
    return std::nullopt;
  }
  return password;
}

std::optional<std::string> read_name(JsonInput& in, std::string_view field, bool required) {
  return in.text(field, {.required = required, .min = 1, .max = 100});
}

std::optional<std::string> read_phone(JsonInput& in, bool required) {
  auto p = in.text("phone", {.required = required, .min = 1, .max = 20});
  if (p && !valid_phone(*p)) {
    in.fail("phone", "must be 6-20 digits, spaces, + - ( )");
    return std::nullopt;
  }
  return p;
}

std::optional<std::string> read_date_of_birth(JsonInput& in, bool required, date::year_month_day today) {
  auto d = in.calendar_date("date_of_birth", required);
  if (!d) return std::nullopt;
  const auto day = date::sys_days{*d};
  if (day >= date::sys_days{today}) {
    in.fail("date_of_birth", "must be in the past");
    return std::nullopt;
  }
  // Age in whole years on `today`.
  int age = static_cast<int>(today.year()) - static_cast<int>(d->year());
  if (date::month_day{today.month(), today.day()} < date::month_day{d->month(), d->day()}) --age;
  if (age > 130) {
    in.fail("date_of_birth", "must be at most 130 years ago");
    return std::nullopt;
  }
  return iso_date(*d);
}

std::optional<std::string> read_sex(JsonInput& in, bool required) {
  return in.one_of("sex", {sexes[0], sexes[1], sexes[2], sexes[3]}, required);
}

std::optional<std::string> read_specialty(JsonInput& in, bool required) {
  return in.text("specialty", {.required = required, .min = 2, .max = 60});
}

std::optional<std::string> read_licence_number(JsonInput& in, bool required) {
  auto l = in.text("licence_number", {.required = required, .min = 3, .max = 40});
  if (l && !valid_licence_number(*l)) {
    in.fail("licence_number", "must be 3-40 letters, digits, - / .");
    return std::nullopt;
  }
  return l;
}

std::optional<std::int64_t> read_years_experience(JsonInput& in, bool required) {
  return in.integer("years_experience", {.required = required, .min = 0, .max = 70});
}

std::optional<std::string> read_bio(JsonInput& in) {
  return in.text("bio", {.required = false, .min = 0, .max = 2000, .multiline = true});
}

std::optional<std::int64_t> read_consultation_fee(JsonInput& in, bool required) {
  return in.integer("consultation_fee_cents", {.required = required, .min = 0, .max = 10'000'000});
}

std::optional<std::string> read_reason(JsonInput& in, bool required) {
  return in.text("reason", {.required = required, .min = 3, .max = 500, .multiline = true});
}

// ---- login throttling -----------------------------------------------------------------------

LoginThrottle::LoginThrottle(ThrottleLimits limits) : limits_(limits) {}

std::optional<EpochMs> LoginThrottle::wait_ms(const Failures& f, int max, EpochMs window, EpochMs now) {
  if (max <= 0 || static_cast<int>(f.size()) < max) return std::nullopt;
  // f holds the newest `max` failures; blocked until the oldest of them leaves the window.
  const EpochMs until = f.front() + window;
  if (until <= now) return std::nullopt;
  return until - now;
}

void LoginThrottle::add(Failures& f, int max, EpochMs now) {
  f.push_back(now);
  while (static_cast<int>(f.size()) > std::max(max, 1)) f.pop_front();
}

namespace {
// Emails cannot hold a line feed (JsonInput refuses controls), so the pair key is unambiguous.
std::string pair_key(std::string_view email, std::string_view ip) {
  std::string key(email);
  key.push_back('\n');
  key.append(ip);
  return key;
}
}  // namespace

std::optional<int> LoginThrottle::blocked_for(std::string_view email, std::string_view ip, EpochMs now) {
  std::lock_guard lock(mutex_);
  EpochMs wait = 0;
  if (auto it = accounts_.find(pair_key(email, ip)); it != accounts_.end())
    wait = std::max(wait, wait_ms(it->second, limits_.max_failures_account, limits_.window_ms, now).value_or(0));
  if (auto it = ips_.find(std::string(ip)); it != ips_.end())
    wait = std::max(wait, wait_ms(it->second, limits_.max_failures_ip, limits_.window_ms, now).value_or(0));
  if (wait <= 0) return std::nullopt;
  return static_cast<int>((wait + 999) / 1000);
}

void LoginThrottle::record_failure(std::string_view email, std::string_view ip, EpochMs now) {
  std::lock_guard lock(mutex_);
  add(accounts_[pair_key(email, ip)], limits_.max_failures_account, now);
  add(ips_[std::string(ip)], limits_.max_failures_ip, now);
  // Attackers choose the emails, so forgotten keys must not pile up forever.
  if (++writes_since_sweep_ >= 512) sweep(now);
}

void LoginThrottle::record_success(std::string_view email, std::string_view ip, EpochMs /*now*/) {
  std::lock_guard lock(mutex_);
  accounts_.erase(pair_key(email, ip));
}

void LoginThrottle::sweep(EpochMs now) {
  writes_since_sweep_ = 0;
  for (auto* map : {&accounts_, &ips_}) {
    std::erase_if(*map, [&](const auto& kv) { return kv.second.empty() || kv.second.back() + limits_.window_ms <= now; });
  }
}

std::size_t LoginThrottle::tracked_keys() const {
  std::lock_guard lock(mutex_);
  return accounts_.size() + ips_.size();
}

// ---- sessions ----------------------------------------------------------------------------------

SessionTimes new_session_times(const SessionPolicy& policy, EpochMs now) {
  SessionTimes t;
  t.created_at = now;
  t.last_seen_at = now;
  t.absolute_expires_at = now + policy.absolute_ms;
  t.expires_at = std::min(now + policy.idle_ttl_ms, t.absolute_expires_at);
  return t;
}

bool session_alive(const SessionTimes& times, std::optional<EpochMs> revoked_at, EpochMs now) {
  return !revoked_at && now < times.expires_at && now < times.absolute_expires_at;
}

bool session_needs_touch(const SessionPolicy& policy, const SessionTimes& times, EpochMs now) {
  return now - times.last_seen_at >= policy.touch_interval_ms;
}

EpochMs slid_expiry(const SessionPolicy& policy, const SessionTimes& times, EpochMs now) {
  return std::min(now + policy.idle_ttl_ms, times.absolute_expires_at);
}

// ---- pagination --------------------------------------------------------------------------------

std::string like_contains_pattern(std::string_view needle) {
  std::string out = "%";
  for (char c : ascii_lower(needle)) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace medcore::accounts
