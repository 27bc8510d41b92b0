#!/usr/bin/python3
"""Print SQL that loads the Flask reference's seeded people into a migrated medcore database.

Usage: flask_to_medcore.py FLASK_DB > load.sql   (then sqlite3 / psql runs it)

The benchmark compares both servers on the same data: the same 200 approved doctors (names,
specialties, years, bio, fee) and 1,000 patients, with the same emails. Like the Flask seed, one
password hash serves every account: each row copies the argon2id hash of admin@example.com, which
`medcore admin create` made with the same password beforehand. Plain INSERTs without ids, so the
same file works on SQLite and PostgreSQL.
"""
import sqlite3
import sys
import time


def q(text):
    return "NULL" if text is None else "'" + str(text).replace("'", "''") + "'"


def main():
    db = sqlite3.connect(sys.argv[1])
    now = int(time.time() * 1000)
    hash_of_admin = "(SELECT password_hash FROM users WHERE email = 'admin@example.com')"
    out = ["BEGIN;"]
    people = db.execute("SELECT id, role, name, email, date_of_birth, sex, phone FROM users "
                        "WHERE role IN ('doctor', 'patient') ORDER BY id").fetchall()
    for _, role, name, email, _dob, _sex, phone in people:
        out.append("INSERT INTO users (email, password_hash, role, name, phone, created_at, updated_at, "
                   f"password_changed_at) SELECT {q(email)}, {hash_of_admin}, {q(role)}, {q(name)}, {q(phone)}, "
                   f"{now}, {now}, {now};")
    user_id = f"(SELECT id FROM users WHERE email = %s)"
    for _, role, _name, email, dob, sex, _phone in people:
        if role == "patient":
            out.append(f"INSERT INTO patients (user_id, date_of_birth, sex) VALUES ({user_id % q(email)}, "
                       f"{q(dob)}, {q(sex)});")
    doctors = db.execute("SELECT u.email, d.specialty, d.license_number, d.years_of_experience, d.bio, "
                         "d.consultation_fee, d.status FROM doctors d JOIN users u ON u.id = d.user_id "
                         "ORDER BY u.id").fetchall()
    for email, specialty, licence, years, bio, fee, status in doctors:
        out.append("INSERT INTO doctors (user_id, specialty, licence_number, years_experience, bio, "
                   f"consultation_fee_cents, status, reviewed_at) VALUES ({user_id % q(email)}, {q(specialty)}, "
                   f"{q(licence)}, {int(years)}, {q(bio)}, {int(round(fee * 100))}, {q(status)}, {now});")
    out.append("COMMIT;")
    out.append("ANALYZE;")
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
