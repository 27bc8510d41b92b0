#!/usr/bin/env bash
# Prints a TCP port on 127.0.0.1 that is free right now (the kernel's pick).
set -euo pipefail
# Debian's python3 when present (python3 on PATH may be a pyenv build).
py=/usr/bin/python3; [ -x "$py" ] || py=python3
"$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
