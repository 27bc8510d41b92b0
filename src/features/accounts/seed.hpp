#pragma once
#include <cstdint>
#include <ostream>
#include <string>

namespace medcore {
struct App;
}

namespace medcore::accounts {

// Demo accounts for a fresh install: one admin, four approved doctors, one pending doctor and
// three patients, each with a random password. Prints the credentials once to `out` and writes
// them to <var_dir>/demo-credentials.txt (mode 0600). Does nothing and returns false when any
// user exists already.
bool seed_demo(App& app, std::ostream& out);

// `medcore admin create`: validated like POST /api/v1/admin/admins; throws Problem (422 with
// field errors, 409 email-taken). Returns the new user's id.
std::int64_t create_admin(App& app, const std::string& email, const std::string& name, const std::string& password);

}  // namespace medcore::accounts
