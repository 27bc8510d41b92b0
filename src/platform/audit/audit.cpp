#include "platform/audit/audit.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "platform/core/time.hpp"
#include "platform/http/context.hpp"

namespace medcore::audit {

Entry entry_from(const http::Context& ctx, std::string action, std::optional<std::int64_t> subject,
                 boost::json::object details) {
  Entry e;
  if (ctx.principal) e.actor = ctx.principal->user_id;
  e.action = std::move(action);
  e.subject = subject;
  e.ip = ctx.request.remote_ip;
  e.request_id = ctx.request_id;
  e.details = std::move(details);
  return e;
}

void record(soci::session& sql, const Entry& entry) {
  const long long at = now_ms();
  long long actor = entry.actor.value_or(0);
  long long subject = entry.subject.value_or(0);
  soci::indicator actor_ind = entry.actor ? soci::i_ok : soci::i_null;
  soci::indicator subject_ind = entry.subject ? soci::i_ok : soci::i_null;
  std::string ip = entry.ip;
  std::string request_id = entry.request_id;
  soci::indicator ip_ind = ip.empty() ? soci::i_null : soci::i_ok;
  soci::indicator rid_ind = request_id.empty() ? soci::i_null : soci::i_ok;
  const std::string details = boost::json::serialize(entry.details);
  sql << "INSERT INTO audit_log (at, actor_user_id, action, subject_user_id, ip, request_id, details) "
         "VALUES (:at, :actor, :action, :subject, :ip, :request_id, :details)",
      soci::use(at), soci::use(actor, actor_ind), soci::use(entry.action), soci::use(subject, subject_ind),
      soci::use(ip, ip_ind), soci::use(request_id, rid_ind), soci::use(details);
}

}  // namespace medcore::audit
