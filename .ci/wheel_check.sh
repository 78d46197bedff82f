#!/usr/bin/env bash
# CI: the package works installed. Build the wheel, install it into a fresh virtual
# environment outside the repository (dependencies as uv.lock pins them, hashes checked),
# and from a folder outside the repository run the sample pipeline steps from it
# (.ci/wheel_smoke.py: extract, validate and build market DE, render the run index), failing
# if any file of the source tree is read. Needs uv and PyPI (or uv's cache); about a minute.
set -euo pipefail
repository="$(cd "$(dirname "$0")/.." && pwd -P)"
work="$(mktemp -d "${TMPDIR:-/tmp}/grenzenlos-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT
started=$SECONDS

cd "$repository"
uv build --wheel --quiet --out-dir "$work/dist"
uv export --frozen --no-dev --no-emit-project --quiet --output-file "$work/requirements.txt"

cd "$work"
uv venv --quiet --python 3.11 venv
uv pip install --quiet --python venv/bin/python --require-hashes -r requirements.txt
uv pip install --quiet --python venv/bin/python --no-deps dist/*.whl

# The deployment's side: its configuration (paths relative to it), the sample catalog and
# the ECB rates, copied so that the run needs nothing of the repository.
mkdir -p project/examples
cp -R "$repository/config" project/
cp -R "$repository/examples/sample_catalog" "$repository/examples/ecb" project/examples/
cp "$repository/.ci/wheel_smoke.py" .
# A clean environment: no PYTHONPATH, and none of the Makefile's AIRFLOW_* settings that
# point into the repository (Airflow's home is this folder's).
env -i HOME="$work" PATH="/usr/bin:/bin" TMPDIR="$work" \
  venv/bin/python -I wheel_smoke.py "$repository" project/config/markets.toml
echo "wheel check: $((SECONDS - started)) s"
