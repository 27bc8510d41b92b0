// Mail templates (kainjow mustache), compiled in. Each has a subject, a text and an HTML part.
// {{x}} is HTML-escaped in the HTML part (and left as is in the text part); {{public_url}} is the
// configured base URL (MEDCORE_PUBLIC_URL, no trailing slash), added by render().
//
// Data fields each template expects (what a service passes to notify::enqueue):
//   welcome                      name, role ("patient" | "doctor"), login_url
//   doctor_approved              name, login_url
//   doctor_rejected              name, reason, login_url
//   doctor_suspended             name, reason, login_url
//   doctor_reinstated            name, login_url
//   password_reset               name, reset_url (carries the token), expires_minutes
//   appointment_confirmed        name, with_name (the other side: the doctor for a patient, the patient
//                                for a doctor), starts_at (already formatted for the recipient,
//                                e.g. "Mon 24 Nov 2026, 10:00 (Europe/Lisbon)"), appointment_id,
//                                reason (optional: why the patient booked)
//   appointment_cancelled        name, with_name, starts_at, appointment_id, reason (optional)
//   appointment_rescheduled      name, with_name, previous_starts_at, starts_at, appointment_id
//   appointment_reminder         name, with_name, starts_at, appointment_id
//   chat_message                 name, sender_name, preview (the first characters), conversation_id
//   health_reading_attention     name, patient_id (no values, no condition: the doctor opens medcore)
//   order_confirmed              name, order_id, total (formatted, e.g. "USD 12.40"),
//                                items: [{name, quantity, price}]
//   diagnostic_booking_confirmed name, test_name, center_name, starts_at, booking_id
#include <kainjow/mustache.hpp>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <stdexcept>

#include "platform/core/roles.hpp"
#include "platform/notify/model.hpp"

namespace medcore::notify {

namespace {

struct Template {
  const char* subject;
  const char* text;
  const char* html;
};

constexpr const char* kTextFooter = R"(
--
medcore · {{public_url}}
You receive this mail because you have an account at medcore.
)";

constexpr const char* kHtmlLayout = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1f2933; max-width: 36em; margin: 0 auto; padding: 1em;">
{{{body}}}
<hr style="border: none; border-top: 1px solid #d9e2ec; margin-top: 2em;">
<p style="font-size: 0.85em; color: #627d98;">medcore · <a href="{{public_url}}">{{public_url}}</a><br>
You receive this mail because you have an account at medcore.</p>
</body>
</html>
)";

const std::map<std::string, Template, std::less<>>& templates() {
  static const std::map<std::string, Template, std::less<>> all{
      {"welcome",
       {"Welcome to medcore, {{name}}",
        R"(Hello {{name}},

welcome to medcore. Your {{role}} account is ready.
{{#is_doctor}}
An administrator reviews every new doctor; we will write to you as soon as your account is approved.
{{/is_doctor}}
Sign in: {{login_url}}
)",
        R"(<p>Hello {{name}},</p>
<p>welcome to medcore. Your {{role}} account is ready.</p>
{{#is_doctor}}<p>An administrator reviews every new doctor; we will write to you as soon as your account is approved.</p>{{/is_doctor}}
<p><a href="{{login_url}}">Sign in to medcore</a></p>
)"}},
      {"doctor_approved",
       {"Your medcore doctor account is approved",
        R"(Hello {{name}},

your doctor account has been approved. Patients can now find you in the directory and book
appointments with you.

Sign in: {{login_url}}
)",
        R"(<p>Hello {{name}},</p>
<p>your doctor account has been <strong>approved</strong>. Patients can now find you in the directory and book appointments with you.</p>
<p><a href="{{login_url}}">Sign in to medcore</a></p>
)"}},
      {"doctor_rejected",
       {"Your medcore doctor application",
        R"(Hello {{name}},

we could not approve your doctor account.
{{#reason}}
Reason: {{reason}}
{{/reason}}
If you think this is a mistake, reply to this mail.

{{login_url}}
)",
        R"(<p>Hello {{name}},</p>
<p>we could not approve your doctor account.</p>
{{#reason}}<p>Reason: {{reason}}</p>{{/reason}}
<p>If you think this is a mistake, reply to this mail.</p>
<p><a href="{{login_url}}">medcore</a></p>
)"}},
      {"doctor_suspended",
       {"Your medcore doctor account is suspended",
        R"(Hello {{name}},

your doctor account has been suspended; patients cannot book you until it is reinstated.
{{#reason}}
Reason: {{reason}}
{{/reason}}
{{login_url}}
)",
        R"(<p>Hello {{name}},</p>
<p>your doctor account has been suspended; patients cannot book you until it is reinstated.</p>
{{#reason}}<p>Reason: {{reason}}</p>{{/reason}}
<p><a href="{{login_url}}">medcore</a></p>
)"}},
      {"doctor_reinstated",
       {"Your medcore doctor account is active again",
        R"(Hello {{name}},

your doctor account has been reinstated. Patients can book you again.

Sign in: {{login_url}}
)",
        R"(<p>Hello {{name}},</p>
<p>your doctor account has been reinstated. Patients can book you again.</p>
<p><a href="{{login_url}}">Sign in to medcore</a></p>
)"}},
      {"password_reset",
       {"Reset your medcore password",
        R"(Hello {{name}},

someone (hopefully you) asked to reset the password of your medcore account.
Open this link within {{expires_minutes}} minutes to choose a new password:

{{reset_url}}

If you did not ask for this, ignore this mail; your password stays as it is.
)",
        R"(<p>Hello {{name}},</p>
<p>someone (hopefully you) asked to reset the password of your medcore account.
Open this link within {{expires_minutes}} minutes to choose a new password:</p>
<p><a href="{{reset_url}}">Choose a new password</a></p>
<p style="font-size: 0.85em;">Or copy this address into your browser: {{reset_url}}</p>
<p>If you did not ask for this, ignore this mail; your password stays as it is.</p>
)"}},
      {"appointment_confirmed",
       {"Appointment confirmed: {{with_name}}, {{starts_at}}",
        R"(Hello {{name}},

your appointment with {{with_name}} on {{starts_at}} is confirmed.
{{#reason}}
Reason for the visit: {{reason}}
{{/reason}}

Details: {{public_url}}/appointments/{{appointment_id}}
)",
        R"(<p>Hello {{name}},</p>
<p>your appointment with <strong>{{with_name}}</strong> on <strong>{{starts_at}}</strong> is confirmed.</p>
{{#reason}}<p>Reason for the visit: {{reason}}</p>{{/reason}}
<p><a href="{{public_url}}/appointments/{{appointment_id}}">See the appointment</a></p>
)"}},
      {"appointment_cancelled",
       {"Appointment cancelled: {{with_name}}, {{starts_at}}",
        R"(Hello {{name}},

your appointment with {{with_name}} on {{starts_at}} has been cancelled.
{{#reason}}
Reason: {{reason}}
{{/reason}}
Book another time: {{public_url}}/doctors
)",
        R"(<p>Hello {{name}},</p>
<p>your appointment with <strong>{{with_name}}</strong> on <strong>{{starts_at}}</strong> has been cancelled.</p>
{{#reason}}<p>Reason: {{reason}}</p>{{/reason}}
<p><a href="{{public_url}}/doctors">Book another time</a></p>
)"}},
      {"appointment_rescheduled",
       {"Appointment moved: {{with_name}}, {{starts_at}}",
        R"(Hello {{name}},

your appointment with {{with_name}} has moved from {{previous_starts_at}} to {{starts_at}}.

Details: {{public_url}}/appointments/{{appointment_id}}
)",
        R"(<p>Hello {{name}},</p>
<p>your appointment with <strong>{{with_name}}</strong> has moved from {{previous_starts_at}} to <strong>{{starts_at}}</strong>.</p>
<p><a href="{{public_url}}/appointments/{{appointment_id}}">See the appointment</a></p>
)"}},
      {"appointment_reminder",
       {"Reminder: appointment with {{with_name}}, {{starts_at}}",
        R"(Hello {{name}},

a reminder of your appointment with {{with_name}} on {{starts_at}}.

Details: {{public_url}}/appointments/{{appointment_id}}

You can switch these reminders off in your settings: {{public_url}}/settings/notifications
)",
        R"(<p>Hello {{name}},</p>
<p>a reminder of your appointment with <strong>{{with_name}}</strong> on <strong>{{starts_at}}</strong>.</p>
<p><a href="{{public_url}}/appointments/{{appointment_id}}">See the appointment</a></p>
<p style="font-size: 0.85em;"><a href="{{public_url}}/settings/notifications">Switch these reminders off</a></p>
)"}},
      {"health_reading_attention",
       {"A patient's reading needs your attention",
        R"(Hello {{name}},

one of your patients recorded a reading that needs attention. Please open medcore to see it:
{{public_url}}/patients/{{patient_id}}/health
)",
        R"(<p>Hello {{name}},</p>
<p>one of your patients recorded a reading that needs attention.</p>
<p><a href="{{public_url}}/patients/{{patient_id}}/health">Open medcore to see it</a></p>
)"}},
      {"chat_message",
       {"New message from {{sender_name}}",
        R"(Hello {{name}},

{{sender_name}} sent you a message:

  {{preview}}

Read and answer: {{public_url}}/chat/{{conversation_id}}

You can switch these alerts off in your settings: {{public_url}}/settings/notifications
)",
        R"(<p>Hello {{name}},</p>
<p><strong>{{sender_name}}</strong> sent you a message:</p>
<blockquote style="border-left: 3px solid #d9e2ec; margin: 0; padding-left: 1em;">{{preview}}</blockquote>
<p><a href="{{public_url}}/chat/{{conversation_id}}">Read and answer</a></p>
<p style="font-size: 0.85em;"><a href="{{public_url}}/settings/notifications">Switch these alerts off</a></p>
)"}},
      {"order_confirmed",
       {"Order {{order_id}} confirmed",
        R"(Hello {{name}},

thank you for your order {{order_id}}.

{{#items}}
  {{quantity}} × {{name}}  {{price}}
{{/items}}

Total: {{total}}

Track it: {{public_url}}/orders/{{order_id}}
)",
        R"(<p>Hello {{name}},</p>
<p>thank you for your order {{order_id}}.</p>
<table style="border-collapse: collapse;">
{{#items}}<tr><td style="padding-right: 1em;">{{quantity}} ×</td><td style="padding-right: 1em;">{{name}}</td><td style="text-align: right;">{{price}}</td></tr>
{{/items}}<tr><td></td><td><strong>Total</strong></td><td style="text-align: right;"><strong>{{total}}</strong></td></tr>
</table>
<p><a href="{{public_url}}/orders/{{order_id}}">Track your order</a></p>
)"}},
      {"diagnostic_booking_confirmed",
       {"Booked: {{test_name}} at {{center_name}}, {{starts_at}}",
        R"(Hello {{name}},

your {{test_name}} at {{center_name}} on {{starts_at}} is booked.

Details: {{public_url}}/diagnostics/bookings/{{booking_id}}
)",
        R"(<p>Hello {{name}},</p>
<p>your <strong>{{test_name}}</strong> at <strong>{{center_name}}</strong> on <strong>{{starts_at}}</strong> is booked.</p>
<p><a href="{{public_url}}/diagnostics/bookings/{{booking_id}}">See the booking</a></p>
)"}},
  };
  return all;
}

namespace mu = kainjow::mustache;

mu::data to_data(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string: return mu::data(std::string(v.get_string()));
    case boost::json::kind::int64: return mu::data(std::to_string(v.get_int64()));
    case boost::json::kind::uint64: return mu::data(std::to_string(v.get_uint64()));
    case boost::json::kind::double_: return mu::data(boost::json::serialize(v));
    case boost::json::kind::bool_: return mu::data(v.get_bool());
    case boost::json::kind::null: return mu::data(false);
    case boost::json::kind::array: {
      mu::data list{mu::data::type::list};
      for (const auto& e : v.get_array()) list.push_back(to_data(e));
      return list;
    }
    case boost::json::kind::object: {
      mu::data obj{mu::data::type::object};
      for (const auto& [k, e] : v.get_object()) obj.set(std::string(k), to_data(e));
      return obj;
    }
  }
  return mu::data(false);
}

std::string render_one(const std::string& source, const mu::data& data, bool html) {
  mu::mustache tmpl{source};
  if (!tmpl.is_valid()) throw std::logic_error("mail template does not parse: " + tmpl.error_message());
  if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.render(data);
  if (!tmpl.is_valid()) throw std::logic_error("mail template failed to render: " + tmpl.error_message());
  return out;
}

}  // namespace

const std::vector<std::string_view>& template_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& [name, t] : templates()) v.push_back(name);
    return v;
  }();
  return names;
}

bool has_template(std::string_view name) { return templates().find(name) != templates().end(); }

const std::vector<std::string_view>& secret_fields(std::string_view template_name) {
  static const std::map<std::string, std::vector<std::string_view>, std::less<>> secrets{
      {"password_reset", {"reset_url"}},
  };
  static const std::vector<std::string_view> none;
  auto it = secrets.find(template_name);
  return it == secrets.end() ? none : it->second;
}

boost::json::object without_secrets(std::string_view template_name, boost::json::object data) {
  for (auto field : secret_fields(template_name)) {
    if (auto* v = data.if_contains(field)) *v = kRedacted;
  }
  return data;
}

bool secrets_removed(std::string_view template_name, const boost::json::object& data) {
  for (auto field : secret_fields(template_name)) {
    const auto* v = data.if_contains(field);
    if (v && v->is_string() && v->get_string() == kRedacted) return true;
  }
  return false;
}

std::vector<std::string> secret_values(std::string_view template_name, const boost::json::object& data) {
  std::vector<std::string> out;
  for (auto field : secret_fields(template_name)) {
    const auto* v = data.if_contains(field);
    if (v && v->is_string() && !v->get_string().empty() && v->get_string() != kRedacted)
      out.emplace_back(v->get_string());
  }
  return out;
}

RenderedMail render(std::string_view template_name, const boost::json::object& data, std::string_view public_url) {
  auto it = templates().find(template_name);
  if (it == templates().end()) throw std::invalid_argument("unknown mail template " + std::string(template_name));
  mu::data d = to_data(boost::json::value(data));
  d.set("public_url", std::string(public_url));
  // Small conveniences the templates branch on.
  if (auto r = data.if_contains("role"); r && r->is_string()) d.set("is_doctor", parse_role(r->get_string()) == Role::doctor);

  RenderedMail out;
  // The subject is text, one line.
  out.subject = render_one(it->second.subject, d, false);
  std::replace_if(out.subject.begin(), out.subject.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  out.text = render_one(std::string(it->second.text) + kTextFooter, d, false);
  mu::data layout = d;
  layout.set("subject", out.subject);
  layout.set("body", render_one(it->second.html, d, true));
  out.html = render_one(kHtmlLayout, layout, true);
  return out;
}

}  // namespace medcore::notify
