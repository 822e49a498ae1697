#!/usr/bin/env bash
# Installs the pinned Starlette + uvicorn (requirements.txt) into a private
# virtualenv for tests/starlette_diff.rs; no system Python package is touched.
# Skips the install when the venv already holds exactly these pins.
# Usage: bash tests/starlette/setup.sh   (.ci/run calls it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${STRATA_STARLETTE_VENV:-$root/target/starlette-venv}"
requirements="$here/requirements.txt"
stamp="$venv/.strata-requirements.sha256"
python="${PYTHON:-python3}"

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "starlette venv up to date: $venv"
  exit 0
fi

"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Starlette 1.10 needs Python >= 3.11")'
echo "creating starlette venv: $venv"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --require-hashes --only-binary :all: -r "$requirements"
echo "$want" >"$stamp"
"$venv/bin/python" -c 'import starlette, uvicorn; print("starlette", starlette.__version__, "uvicorn", uvicorn.__version__)'
