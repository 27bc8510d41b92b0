#pragma once
// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for POSTs that create something:
// a retried request with the same key returns the first answer instead of doing the work again.
// The answer is stored in the same transaction as the work, so "done" and "remembered" commit
// together; a request that failed is not remembered and may be retried.
#include <cstdint>
#include <optional>
#include <string>

#include "platform/core/time.hpp"

namespace soci {
class session;
}

namespace medcore::http {
struct Context;
struct Response;
}  // namespace medcore::http

namespace medcore::idempotency {

struct Key {
  std::int64_t user_id = 0;
  std::string scope;         // which operation, e.g. "appointments.create"
  std::string key;           // the client's Idempotency-Key
  std::string request_hash;  // SHA-256 of method, path and body
};

struct Stored {
  int status = 0;
  std::string body;  // JSON
};

// The request's key: nullopt without the header; 400 when it is empty, longer than 255 characters
// or not visible ASCII. Requires a signed-in user.
std::optional<Key> from_request(const http::Context& ctx, std::string scope);

// The stored answer for the key; 422 idempotency-key-reused when the key was first used with a
// different request.
std::optional<Stored> find(soci::session& sql, const Key& key);

// Remembers the answer (inside the transaction of the work it describes).
void remember(soci::session& sql, const Key& key, const Stored& answer, EpochMs now);

// The stored answer replayed, marked with `Idempotent-Replayed: true`.
http::Response replay(const Stored& answer);

// Keys are kept this long; the nightly cleanup removes older ones.
inline constexpr EpochMs kRetentionMs = 24LL * 3600 * 1000;

}  // namespace medcore::idempotency
