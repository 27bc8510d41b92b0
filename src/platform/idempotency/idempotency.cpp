#include "platform/idempotency/idempotency.hpp"

#include <soci/soci.h>

#include "platform/core/crypto.hpp"
#include "platform/core/problem.hpp"
#include "platform/http/context.hpp"
#include "platform/http/message.hpp"

namespace medcore::idempotency {

std::optional<Key> from_request(const http::Context& ctx, std::string scope) {
  auto header = ctx.request.header("idempotency-key");
  if (!header) return std::nullopt;
  std::string_view v = *header;
  // The draft's structured-field string form is "..."; a bare token is accepted too.
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 255) throw problems::bad_request("Idempotency-Key must be 1 to 255 characters.");
  for (char c : v)
    if (c < 0x21 || c > 0x7e) throw problems::bad_request("Idempotency-Key must be visible ASCII characters.");
  Key k;
  k.user_id = ctx.user().user_id;
  k.scope = std::move(scope);
  k.key = std::string(v);
  k.request_hash = crypto::sha256_hex(ctx.request.method + "\n" + ctx.request.path + "\n" + ctx.request.body);
  return k;
}

std::optional<Stored> find(soci::session& sql, const Key& key) {
  long long user = key.user_id;
  std::string scope = key.scope, k = key.key, hash;
  int status = 0;
  std::string body;
  sql << "SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = :u AND scope = :s AND idem_key = :k",
      soci::use(user), soci::use(scope), soci::use(k), soci::into(hash), soci::into(status), soci::into(body);
  if (!sql.got_data()) return std::nullopt;
  if (hash != key.request_hash)
    throw Problem(422, "idempotency-key-reused", "Idempotency key reused",
                  "This Idempotency-Key was already used with a different request; use a new key for a new request.")
        .with_errors({{"Idempotency-Key", "was already used with a different request"}});
  return Stored{status, std::move(body)};
}

void remember(soci::session& sql, const Key& key, const Stored& answer, EpochMs now) {
  long long user = key.user_id, at = now;
  std::string scope = key.scope, k = key.key, hash = key.request_hash, body = answer.body;
  int status = answer.status;
  sql << "INSERT INTO idempotency_keys (user_id, scope, idem_key, request_hash, status, response, created_at) "
         "VALUES (:u, :s, :k, :h, :st, :b, :t)",
      soci::use(user), soci::use(scope), soci::use(k), soci::use(hash), soci::use(status), soci::use(body), soci::use(at);
}

http::Response replay(const Stored& answer) {
  http::Response res;
  res.status = answer.status;
  res.body = answer.body;
  res.header("content-type", "application/json");
  res.header("idempotent-replayed", "true");
  return res;
}

}  // namespace medcore::idempotency
