#!/usr/bin/env bash
# The whole test run (`npm test`), from a fresh Debian 12 machine with Node 20 and `npm ci` done:
#   1. the Debian packages the suites need: installed when run as root, otherwise the exact
#      `sudo apt-get install` line is printed and the run stops;
#   2. code-server for the end-to-end suite, into a cache folder outside the repository (first run only);
#   3. build, type-check, lint;
#   4. every vitest project (unit, integration, browser, end-to-end); its summary is printed last.
# Exits non-zero when any step fails. Arguments go to vitest (`npm test -- --project unit`).
# Knobs: SKIP_APT=1 (not Debian, or you provide the tools yourself), CODE_SERVER_DIR (cache folder).
# Faster loops while working: `npm run test:unit`, `test:integration`, `test:browser`, `test:e2e`.
set -euo pipefail

cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\n==> [%4ds] %s\n' "$((SECONDS - started))" "$*"; }

# chromium: browser and end-to-end suites. libkrb5/libsecret/libxkbfile/libx11 headers, build tools and
# pkg-config: code-server's native modules build against them. ripgrep: seeded into @vscode/ripgrep's
# cache (its postinstall would fetch rg from GitHub). PyTorch, ONNX, NumPy, OpenBLAS: the Python parity
# checks of the integration suite. Fonts: the panel screenshots.
APT_PACKAGES=(
  chromium fonts-dejavu-core
  libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev build-essential pkg-config ripgrep
  python3 python3-torch python3-onnx python3-numpy libopenblas0-pthread
  ca-certificates xz-utils git
)

missing_packages() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

step "node"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
  echo "Node.js 20 or later is required (found $(node -v))" >&2
  exit 1
fi
echo "node $(node -v), npm $(npm -v), $(nproc) cores"
if [[ ! -d node_modules ]]; then
  echo "node_modules is missing: run \`npm ci\` first (README.md, Quick start)" >&2
  exit 1
fi

step "Debian packages"
if [[ "${SKIP_APT:-}" == 1 ]]; then
  echo "SKIP_APT=1: not checking (needs ${APT_PACKAGES[*]} or their equivalents)"
elif ! command -v dpkg-query >/dev/null; then
  echo "not a Debian system: install the equivalents of ${APT_PACKAGES[*]} and run with SKIP_APT=1" >&2
  exit 1
else
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    echo "all ${#APT_PACKAGES[@]} installed"
  elif ((EUID == 0)); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  else
    echo "the test suites need these Debian packages; install them, then run \`npm test\` again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

step "code-server (end-to-end suite; cached outside the repository)"
bash scripts/install-code-server.sh

step "build"
npm run --silent build

step "type-check"
npm run --silent typecheck

step "lint"
npm run --silent lint

step "vitest: unit, integration, browser, end-to-end"
echo "(the steps above took $((SECONDS - started)) s; vitest's summary comes last)"
exec node_modules/.bin/vitest run "$@"
