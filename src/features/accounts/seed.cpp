#include "features/accounts/seed.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "features/accounts/service.hpp"
#include "features/accounts/store.hpp"
#include "platform/app/app.hpp"
#include "platform/core/crypto.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/problem.hpp"

namespace medcore::accounts {

namespace {

struct DemoAccount {
  Role role;
  std::string email;
  std::string name;
  std::string phone;
  std::optional<PatientProfile> patient;
  std::optional<DoctorProfile> doctor;
  std::string password;
  std::string hash;
};

DoctorProfile doctor(std::string specialty, std::string licence, int years, std::string bio, int fee,
                     DoctorStatus status) {
  DoctorProfile d;
  d.specialty = std::move(specialty);
  d.licence_number = std::move(licence);
  d.years_experience = years;
  d.bio = std::move(bio);
  d.consultation_fee_cents = fee;
  d.status = status;
  return d;
}

std::vector<DemoAccount> demo_accounts() {
  std::vector<DemoAccount> a;
  a.push_back({Role::admin, "admin@medcore.example", "Morgan Reyes", "+1 555 010 0100", {}, {}, {}, {}});
  a.push_back({Role::doctor, "amara.okafor@medcore.example", "Dr. Amara Okafor", "+1 555 010 0201", {},
               doctor("Cardiology", "MC-CA-20417", 14,
                      "Consultant cardiologist focused on heart failure, hypertension and preventive cardiology. "
                      "Trained at Johns Hopkins; runs the clinic's cardiac rehabilitation programme.",
                      9500, DoctorStatus::approved),
               {}, {}});
  a.push_back({Role::doctor, "lucas.bergstrom@medcore.example", "Dr. Lucas Bergstrom", "+1 555 010 0202", {},
               doctor("Dermatology", "MC-DE-31852", 9,
                      "Dermatologist treating acne, eczema and psoriasis, with a special interest in early "
                      "detection of skin cancer through dermoscopy.",
                      8000, DoctorStatus::approved),
               {}, {}});
  a.push_back({Role::doctor, "priya.natarajan@medcore.example", "Dr. Priya Natarajan", "+1 555 010 0203", {},
               doctor("Endocrinology", "MC-EN-17309", 11,
                      "Endocrinologist caring for people with type 1 and type 2 diabetes, thyroid disease and "
                      "metabolic disorders; certified diabetes educator.",
                      8500, DoctorStatus::approved),
               {}, {}});
  a.push_back({Role::doctor, "samuel.adeyemi@medcore.example", "Dr. Samuel Adeyemi", "+1 555 010 0204", {},
               doctor("General Practice", "MC-GP-40266", 18,
                      "Family physician for adults and children: check-ups, chronic disease management, "
                      "vaccinations and referrals.",
                      5000, DoctorStatus::approved),
               {}, {}});
  a.push_back({Role::doctor, "elena.marchetti@medcore.example", "Dr. Elena Marchetti", "+1 555 010 0205", {},
               doctor("Neurology", "MC-NE-52981", 6,
                      "Neurologist with a focus on migraine, epilepsy and sleep disorders.", 9000, DoctorStatus::pending),
               {}, {}});
  a.push_back({Role::patient, "ana.lima@medcore.example", "Ana Lima", "+351 912 345 678",
               PatientProfile{"1990-04-01", "female", "Europe/Lisbon"}, {}, {}, {}});
  a.push_back({Role::patient, "james.oconnor@medcore.example", "James O'Connor", "+1 555 010 0302",
               PatientProfile{"1978-11-15", "male", "America/New_York"}, {}, {}, {}});
  a.push_back({Role::patient, "mei.chen@medcore.example", "Mei Chen", "+1 555 010 0303",
               PatientProfile{"2001-06-23", "female", "America/Los_Angeles"}, {}, {}, {}});
  return a;
}

void write_private_file(const std::filesystem::path& path, const std::string& text) {
  // Created 0600 from the start: the file holds live passwords.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + path.string());
  ::fchmod(fd, 0600);
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

}  // namespace

bool seed_demo(App& app, std::ostream& out) {
  if (app.db->read([](soci::session& sql) { return store::count_users(sql); }) > 0) {
    out << "Users exist already; demo accounts not created.\n";
    return false;
  }
  auto accounts = demo_accounts();
  for (auto& a : accounts) {
    a.password = crypto::random_token(12);  // 16 base64url characters
    a.hash = crypto::hash_password(a.password);
  }
  const EpochMs now = now_ms();
  const bool created = app.db->transaction("accounts.seed_demo", [&](soci::session& sql) {
    // Checked again under the write transaction: two seeders at once must not both run.
    if (store::count_users(sql) > 0) return false;
    std::optional<std::int64_t> admin_id;
    for (const auto& a : accounts) {
      const auto id = store::insert_user(sql, {a.email, a.hash, a.role, a.name, a.phone}, now);
      if (a.role == Role::admin) {
        store::insert_admin(sql, id, std::nullopt);
        admin_id = id;
      } else if (a.patient) {
        store::insert_patient(sql, id, *a.patient);
      } else if (a.doctor) {
        DoctorProfile d = *a.doctor;
        if (d.status == DoctorStatus::approved) d.reviewed_at = now;
        store::insert_doctor(sql, id, d);
      }
    }
    return true;
  });
  if (!created) {
    out << "Users exist already; demo accounts not created.\n";
    return false;
  }

  std::ostringstream table;
  table << "# medcore demo accounts (role email password name). Change or delete before real use.\n";
  for (const auto& a : accounts) table << to_string(a.role) << ' ' << a.email << ' ' << a.password << ' ' << a.name << '\n';

  const std::filesystem::path dir(app.config.var_dir);
  std::filesystem::create_directories(dir);
  const auto file = dir / "demo-credentials.txt";
  write_private_file(file, table.str());

  out << "Demo accounts created (also written to " << file.string() << "):\n\n";
  out << std::left << std::setw(9) << "role" << std::setw(34) << "email" << std::setw(18) << "password" << "name\n";
  for (const auto& a : accounts)
    out << std::left << std::setw(9) << to_string(a.role) << std::setw(34) << a.email << std::setw(18) << a.password << a.name
        << '\n';
  return true;
}

std::int64_t create_admin(App& app, const std::string& email, const std::string& name, const std::string& password) {
  JsonInput in(boost::json::object{{"email", email}, {"name", name}, {"password", password}});
  auto e = in.email("email", true);
  auto n = read_name(in, "name", true);
  auto p = read_new_password(in, "password", true);
  in.finish();
  AccountService svc(app);
  RequestMeta meta;
  return svc.create_admin(*n, *e, *p, meta).id;
}

}  // namespace medcore::accounts
