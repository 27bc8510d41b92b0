#pragma once
// Randomness, token hashing and password hashing, all through libsodium.
#include <string>
#include <string_view>

namespace medcore::crypto {

// Must run once before any other function here (sodium_init).
void init();
// `bytes` random bytes as unpadded base64url (32 bytes -> 43 characters).
std::string random_token(std::size_t bytes = 32);
// 12 unpredictable bytes, base64url (like random_token(12)), from a per-thread ChaCha20 stream
// keyed once from the system: no system call per token. For per-request ids, which need to be
// unique and unguessable, not secret keys.
std::string stream_token12();
// SHA-256 of the input as lowercase hex: how tokens are stored at rest.
std::string sha256_hex(std::string_view data);
// Keyed BLAKE2b of `message` under `key`, base64url: derives per-session values (CSRF token).
std::string keyed_hash(std::string_view key, std::string_view message);
bool constant_time_equal(std::string_view a, std::string_view b);

struct PasswordCost {
  unsigned long long ops;
  std::size_t mem_bytes;
};
PasswordCost default_password_cost();  // argon2id, libsodium's INTERACTIVE limits
// argon2id encoded string (includes its own salt and parameters).
std::string hash_password(std::string_view password, PasswordCost cost = default_password_cost());
bool verify_password(std::string_view encoded_hash, std::string_view password);

std::string base64url(std::string_view bytes);
// Empty optional-like: returns false when `text` is not valid unpadded base64url.
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace medcore::crypto

namespace medcore::crypto {
// The CSRF token of a cookie session, derived from its token so it needs no storage and
// changes whenever the session does.
inline std::string csrf_token_for(std::string_view session_token) {
  return keyed_hash(session_token, "medcore-csrf-v1");
}
}  // namespace medcore::crypto
