#include "features/appointments/routes.hpp"

#include <boost/json.hpp>
#include <memory>

#include "platform/app/app.hpp"
#include "features/appointments/service.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"
#include "platform/jobs/runner.hpp"

namespace medcore::appointments {

namespace {

constexpr EpochMs kDay = 86'400'000;
constexpr EpochMs kMaxSlotRange = 62 * kDay;

Caller caller_of(const http::Context& ctx) {
  const auto& p = ctx.user();
  return Caller{p.user_id, p.role, ctx.request.remote_ip, ctx.request_id};
}

boost::json::value opt_time(const std::optional<EpochMs>& t) {
  return t ? boost::json::value(iso8601(*t)) : boost::json::value(nullptr);
}

boost::json::object slot_json(const Slot& s, const std::string& zone) {
  return {{"start", iso8601(s.start)}, {"end", iso8601(s.end)}, {"local_start", local_iso8601(s.start, zone)}};
}

boost::json::object appointment_json(const store::Appointment& a, const Caller& viewer, const Config& config) {
  const EpochMs now = now_ms();
  boost::json::object o;
  o["id"] = a.id;
  o["status"] = to_string(a.status);
  o["start"] = iso8601(a.start);
  o["end"] = iso8601(a.end);
  o["local_start"] = local_iso8601(a.start, a.doctor_time_zone);
  o["time_zone"] = a.doctor_time_zone;
  o["reason"] = a.reason;
  o["patient"] = {{"id", a.patient_id}, {"name", a.patient_name}};
  o["doctor"] = {{"id", a.doctor_id}, {"name", a.doctor_name}, {"specialty", a.doctor_specialty}};
  o["created_at"] = iso8601(a.created_at);
  o["updated_at"] = iso8601(a.updated_at);
  o["cancelled_at"] = opt_time(a.cancelled_at);
  o["cancel_reason"] = a.cancel_reason ? boost::json::value(*a.cancel_reason) : boost::json::value(nullptr);
  if (!a.cancelled_by) {
    o["cancelled_by"] = nullptr;
  } else {
    o["cancelled_by"] = to_string(*a.cancelled_by == a.doctor_id ? Role::doctor : Role::patient);
  }
  o["reschedule_count"] = a.reschedule_count;
  const bool booked = a.status == AppointmentStatus::booked;
  const bool patient = viewer.role == Role::patient;
  const bool in_time = before_cutoff(now, a.start, config.cancel_cutoff_minutes);
  o["can_cancel"] = booked && (patient ? in_time : now < a.end);
  o["can_reschedule"] = booked && patient && in_time;
  o["can_mark_outcome"] = !patient && may_mark_outcome(a.status, now, a.start);
  o["ics_url"] = "/api/v1/appointments/" + std::to_string(a.id) + ".ics";
  return o;
}

boost::json::object exception_json(const ScheduleException& e) {
  return {{"id", e.id},
          {"date", e.local_date},
          {"kind", to_string(e.kind)},
          {"start", e.start_minute ? boost::json::value(format_clock(*e.start_minute)) : boost::json::value(nullptr)},
          {"end", e.end_minute ? boost::json::value(format_clock(*e.end_minute)) : boost::json::value(nullptr)},
          {"note", e.note}};
}

boost::json::object availability_json(const Service::Availability& a) {
  boost::json::array weekly, exceptions;
  for (const auto& w : a.schedule.weekly)
    weekly.push_back({{"weekday", w.weekday}, {"start", format_clock(w.start_minute)}, {"end", format_clock(w.end_minute)}});
  for (const auto& e : a.schedule.exceptions) exceptions.push_back(exception_json(e));
  return {{"published", a.published},
          {"time_zone", a.schedule.time_zone},
          {"slot_minutes", a.published ? boost::json::value(a.schedule.slot_minutes) : boost::json::value(nullptr)},
          {"weekly", std::move(weekly)},
          {"exceptions", std::move(exceptions)}};
}

boost::json::array appointments_json(const std::vector<store::Appointment>& list, const Caller& viewer,
                                     const Config& config) {
  boost::json::array out;
  for (const auto& a : list) out.push_back(appointment_json(a, viewer, config));
  return out;
}

// ?from= / ?to=: an ISO 8601 instant, or a date meaning 00:00 UTC that day.
std::optional<EpochMs> time_param(const http::Request& req, std::string_view key) {
  auto v = req.query_param(key);
  if (!v || v->empty()) return std::nullopt;
  if (auto t = parse_iso8601(*v)) return t;
  if (auto d = parse_iso_date(*v))
    return std::chrono::duration_cast<std::chrono::milliseconds>(date::sys_days{*d}.time_since_epoch()).count();
  throw problems::bad_request(std::string(key) + " must be an ISO 8601 instant or a date (YYYY-MM-DD).");
}

// "start": an ISO 8601 instant (with Z or an offset).
std::optional<EpochMs> read_instant(JsonInput& in, std::string_view field, bool required) {
  auto text = in.text(field, TextRule{.required = required, .min = 1, .max = 40});
  if (!text) return std::nullopt;
  auto t = parse_iso8601(*text);
  if (!t) in.fail(std::string(field), "must be an ISO 8601 instant, e.g. 2026-03-30T09:00:00Z");
  return t;
}

std::optional<int> read_clock(const boost::json::object& o, std::string_view field, const std::string& path,
                              bool allow_24, JsonInput& in) {
  const auto* v = o.if_contains(field);
  if (!v || !v->is_string()) {
    in.fail(path + "." + std::string(field), "is required as HH:MM");
    return std::nullopt;
  }
  auto m = parse_clock(v->get_string(), allow_24);
  if (!m) in.fail(path + "." + std::string(field), allow_24 ? "must be HH:MM between 00:00 and 24:00" : "must be HH:MM between 00:00 and 23:59");
  return m;
}

std::vector<WeeklyInterval> read_weekly(JsonInput& in) {
  std::vector<WeeklyInterval> out;
  const auto* v = in.raw("weekly");
  if (!v) {
    in.fail("weekly", "is required (an empty list means no weekly hours)");
    return out;
  }
  if (!v->is_array() || v->get_array().size() > 70) {
    in.fail("weekly", "must be a list of at most 70 intervals");
    return out;
  }
  const auto& items = v->get_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = "weekly[" + std::to_string(i) + "]";
    if (!items[i].is_object()) {
      in.fail(path, "must be an object {weekday, start, end}");
      continue;
    }
    const auto& o = items[i].get_object();
    for (const auto& kv : o)
      if (kv.key() != "weekday" && kv.key() != "start" && kv.key() != "end")
        in.fail(path + "." + std::string(kv.key()), "is not a known field");
    const auto* day = o.if_contains("weekday");
    std::optional<int> weekday;
    if (day && day->is_int64() && day->as_int64() >= 1 && day->as_int64() <= 7) {
      weekday = static_cast<int>(day->as_int64());
    } else {
      in.fail(path + ".weekday", "must be 1 (Monday) to 7 (Sunday)");
    }
    auto start = read_clock(o, "start", path, false, in);
    auto end = read_clock(o, "end", path, true, in);
    if (start && end && *start >= *end) in.fail(path + ".end", "must be after start");
    if (weekday && start && end && *start < *end) out.push_back({*weekday, *start, *end});
  }
  if (out.size() == items.size())
    for (const auto& problem : weekly_overlaps(out)) {
      const auto colon = problem.find(':');
      in.fail(problem.substr(0, colon), problem.substr(colon + 2));
    }
  return out;
}

}  // namespace

void mount_appointments(http::Router& router, App& app) {
  auto svc = std::make_shared<Service>(app);
  const http::RouteOptions anyone{.authenticate = false};

  // ---- doctors: hours ------------------------------------------------------------------------

  router.get("/api/v1/doctor/availability", [svc](http::Context& ctx) {
    const auto& p = ctx.require_approved_doctor();
    return http::Response::json(200, availability_json(svc->availability(p.user_id)));
  });

  router.put("/api/v1/doctor/availability", [svc](http::Context& ctx) {
    ctx.require_approved_doctor();
    auto in = JsonInput::parse(ctx.request.body);
    auto zone = in.time_zone("time_zone", true);
    auto slot = in.integer("slot_minutes", IntRule{.required = true, .min = kMinSlotMinutes, .max = kMaxSlotMinutes});
    if (slot && *slot % 5 != 0) in.fail("slot_minutes", "must be a multiple of 5");
    auto weekly = read_weekly(in);
    in.finish();
    const auto caller = caller_of(ctx);
    auto change = svc->set_hours(caller, *zone, static_cast<int>(*slot), weekly);
    boost::json::object body = availability_json(change.availability);
    body["outside_hours"] = appointments_json(change.outside_hours, caller, svc->config());
    return http::Response::json(200, body);
  });

  router.post("/api/v1/doctor/availability/exceptions", [svc](http::Context& ctx) {
    ctx.require_approved_doctor();
    auto in = JsonInput::parse(ctx.request.body);
    const auto today = utc_today();
    auto day = in.calendar_date("date", true);
    if (day) {
      const auto first = date::sys_days{today} - date::days{1}, last = date::sys_days{today} + date::days{366};
      if (date::sys_days{*day} < first || date::sys_days{*day} > last)
        in.fail("date", "must be between yesterday and a year from today");
    }
    const auto kind_text = in.one_of("kind", {to_string(ExceptionKind::off), to_string(ExceptionKind::extra)}, true);
    const auto kind = parse_exception_kind(kind_text.value_or(""));
    std::optional<int> start, end;
    if (const auto* v = in.raw("start"); v && !v->is_null()) {
      if (v->is_string()) start = parse_clock(v->get_string(), false);
      if (!start) in.fail("start", "must be HH:MM between 00:00 and 23:59");
    }
    if (const auto* v = in.raw("end"); v && !v->is_null()) {
      if (v->is_string()) end = parse_clock(v->get_string(), true);
      if (!end) in.fail("end", "must be HH:MM between 00:01 and 24:00");
    }
    if (start.has_value() != end.has_value()) in.fail(start ? "end" : "start", "start and end go together");
    if (start && end && *start >= *end) in.fail("end", "must be after start");
    if (kind == ExceptionKind::extra && !start && !end && in.ok()) in.fail("start", "is required for extra hours");
    auto note = in.text("note", TextRule{.max = 200});
    in.finish();
    ScheduleException e;
    e.local_date = iso_date(*day);
    e.kind = *kind;
    e.start_minute = start;
    e.end_minute = end;
    e.note = note.value_or("");
    const auto caller = caller_of(ctx);
    auto change = svc->add_exception(caller, e);
    boost::json::object body{{"exception", exception_json(change.exception)},
                             {"outside_hours", appointments_json(change.outside_hours, caller, svc->config())}};
    return http::Response::json(201, body);
  });

  router.del("/api/v1/doctor/availability/exceptions/{id:int}", [svc](http::Context& ctx) {
    ctx.require_approved_doctor();
    svc->remove_exception(caller_of(ctx), ctx.params.integer("id"));
    return http::Response::no_content();
  });

  // ---- patients: slots and booking -----------------------------------------------------------

  router.get(
      "/api/v1/doctors/{id:int}/slots",
      [svc](http::Context& ctx) {
        const EpochMs now = now_ms();
        const EpochMs from = time_param(ctx.request, "from").value_or(now);
        const EpochMs to = time_param(ctx.request, "to").value_or(from + 7 * kDay);
        if (to <= from) throw problems::bad_request("to must be after from.");
        if (to - from > kMaxSlotRange) throw problems::bad_request("At most 62 days of slots per request.");
        auto r = svc->free_slots(ctx.params.integer("id"), from, to);
        boost::json::array slots;
        for (const auto& s : r.slots) slots.push_back(slot_json(s, r.doctor.time_zone));
        boost::json::object body{{"doctor_id", r.doctor.id},
                                 {"time_zone", r.doctor.time_zone},
                                 {"slot_minutes", r.slot_minutes ? boost::json::value(r.slot_minutes) : boost::json::value(nullptr)},
                                 {"bookable_from", iso8601(r.window.earliest)},
                                 {"bookable_until", iso8601(r.window.latest)},
                                 {"slots", std::move(slots)}};
        return http::Response::json(200, body);
      },
      anyone);

  router.post("/api/v1/appointments", [svc](http::Context& ctx) {
    ctx.require_role({Role::patient});
    const auto caller = caller_of(ctx);
    auto key = idempotency::from_request(ctx, "appointments.create");
    auto in = JsonInput::parse(ctx.request.body);
    auto doctor = in.integer("doctor_id", IntRule{.required = true, .min = 1});
    auto start = read_instant(in, "start", true);
    auto reason = in.text("reason", TextRule{.max = 500, .multiline = true});
    in.finish();
    Service::BookRequest request{*doctor, *start, reason.value_or(""), std::move(key)};
    const auto& config = svc->config();
    auto booked = svc->book(caller, request, [&](const store::Appointment& a) {
      return boost::json::serialize(appointment_json(a, caller, config));
    });
    if (booked.replayed) return idempotency::replay(*booked.replayed);
    auto res = http::Response::json(201, appointment_json(*booked.appointment, caller, config));
    res.header("location", "/api/v1/appointments/" + std::to_string(booked.appointment->id));
    return res;
  });

  router.get("/api/v1/appointments", [svc](http::Context& ctx) {
    const auto& p = ctx.require_role({Role::patient, Role::doctor});
    const auto& req = ctx.request;
    store::ListQuery q;
    q.role = p.role;
    q.user_id = p.user_id;
    q.now = now_ms();
    const auto scope = req.query_param("scope").value_or("upcoming");
    if (scope != "upcoming" && scope != "past") throw problems::bad_request("scope must be upcoming or past.");
    q.upcoming = scope == "upcoming";
    q.from = time_param(req, "from");
    q.to = time_param(req, "to");
    if (auto s = req.query_param("status"); s && !s->empty()) {
      q.status = parse_appointment_status(*s);
      if (!q.status) throw problems::bad_request("status must be booked, completed, no_show or cancelled.");
    }
    q.limit = paging::parse_limit(req.query_param("limit"));
    if (auto c = req.query_param("cursor"); c && !c->empty()) {
      auto key = paging::decode_cursor(*c);
      if (key.size() != 2 || !key[0].is_int64() || !key[1].is_int64()) throw problems::bad_request("Bad cursor.");
      q.after = std::pair{key[0].as_int64(), key[1].as_int64()};
    }
    auto rows = svc->list(q);
    boost::json::value next = nullptr;
    if (static_cast<int>(rows.size()) > q.limit) {
      rows.resize(static_cast<std::size_t>(q.limit));
      next = paging::encode_cursor(boost::json::array{rows.back().start, rows.back().id});
    }
    const auto caller = caller_of(ctx);
    return http::Response::json(200, boost::json::object{{"items", appointments_json(rows, caller, svc->config())},
                                                         {"next_cursor", next}});
  });

  router.get("/api/v1/appointments/{id:int}", [svc](http::Context& ctx) {
    ctx.require_role({Role::patient, Role::doctor});
    const auto caller = caller_of(ctx);
    return http::Response::json(200, appointment_json(svc->get(caller, ctx.params.integer("id")), caller, svc->config()));
  });

  router.get("/api/v1/appointments/{id:int}.ics", [svc](http::Context& ctx) {
    ctx.require_role({Role::patient, Role::doctor});
    const auto caller = caller_of(ctx);
    auto a = svc->get(caller, ctx.params.integer("id"));
    CalendarEvent e;
    auto host = svc->config().public_url;
    if (auto scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
    if (auto slash = host.find('/'); slash != std::string::npos) host = host.substr(0, slash);
    e.uid = "appointment-" + std::to_string(a.id) + "@" + host;
    e.start = a.start;
    e.end = a.end;
    e.stamp = a.updated_at;
    e.sequence = a.reschedule_count + (a.status == AppointmentStatus::cancelled ? 1 : 0);
    e.cancelled = a.status == AppointmentStatus::cancelled;
    e.summary = caller.role == Role::patient ? "Appointment with " + a.doctor_name + " (" + a.doctor_specialty + ")"
                                         : "Appointment with " + a.patient_name + " (patient)";
    e.description = (a.reason.empty() ? std::string() : "Reason: " + a.reason + "\n") + svc->config().public_url +
                    "/appointments/" + std::to_string(a.id);
    auto res = http::Response::text(200, to_icalendar(e), "text/calendar; charset=utf-8");
    res.header("content-disposition", "attachment; filename=\"appointment-" + std::to_string(a.id) + ".ics\"");
    return res;
  });

  router.post("/api/v1/appointments/{id:int}/cancel", [svc](http::Context& ctx) {
    ctx.require_role({Role::patient, Role::doctor});
    std::optional<std::string> reason;
    if (!ctx.request.body.empty()) {
      auto in = JsonInput::parse(ctx.request.body);
      reason = in.text("reason", TextRule{.max = 500, .multiline = true});
      in.finish();
    }
    const auto caller = caller_of(ctx);
    if (caller.role == Role::doctor && !reason)
      throw problems::validation({{"reason", "is required: tell the patient why"}});
    return http::Response::json(200, appointment_json(svc->cancel(caller, ctx.params.integer("id"), reason), caller,
                                                      svc->config()));
  });

  router.post("/api/v1/appointments/{id:int}/reschedule", [svc](http::Context& ctx) {
    ctx.require_role({Role::patient});
    auto in = JsonInput::parse(ctx.request.body);
    auto start = read_instant(in, "start", true);
    in.finish();
    const auto caller = caller_of(ctx);
    return http::Response::json(200, appointment_json(svc->reschedule(caller, ctx.params.integer("id"), *start), caller,
                                                      svc->config()));
  });

  for (const auto& [path, outcome] :
       {std::pair{"complete", AppointmentStatus::completed}, std::pair{"no-show", AppointmentStatus::no_show}}) {
    router.post("/api/v1/appointments/{id:int}/" + std::string(path), [svc, outcome = outcome](http::Context& ctx) {
      ctx.require_approved_doctor();
      const auto caller = caller_of(ctx);
      return http::Response::json(200, appointment_json(svc->mark(caller, ctx.params.integer("id"), outcome), caller,
                                                        svc->config()));
    });
  }
}

void register_jobs(jobs::Runner& runner, App& app) {
  auto svc = std::make_shared<Service>(app);
  runner.handle(kReminderJob, [svc](const jobs::Job& job) { svc->send_reminder(job.payload); });
}

}  // namespace medcore::appointments
