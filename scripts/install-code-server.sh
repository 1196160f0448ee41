#!/usr/bin/env bash
# Installs code-server (VS Code in a browser, served by Node 20) into a cache folder outside the repo,
# for the end-to-end tests. Offline-safe: only the npm registry is contacted. Reused when present.
#
#   scripts/install-code-server.sh            # installs if absent, prints the binary path
#   CODE_SERVER_DIR=/some/dir scripts/...     # choose the folder
#
# Needs (Debian): libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev ripgrep (scripts/test.sh installs them).
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
DIR="${CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/activation-inspector/code-server-$VERSION}"
BIN="$DIR/node_modules/.bin/code-server"

if [[ -x "$BIN" && -f "$DIR/.installed" ]]; then
  echo "$BIN"
  exit 0
fi

echo "installing code-server@$VERSION into $DIR" >&2
mkdir -p "$DIR"

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the archive:
# seed the cache with Debian's rg so no request leaves for GitHub.
RG="$(command -v rg || true)"
if [[ -z "$RG" ]]; then
  echo "ripgrep (rg) is required: apt-get install -y ripgrep" >&2
  exit 1
fi
for rgver in 1.15.11 1.15.10 1.15.9; do
  cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$rgver"
  mkdir -p "$cache"
  for asset in ripgrep-v13.0.0-10-x86_64-unknown-linux-musl ripgrep-v13.0.0-13-x86_64-unknown-linux-musl; do
    [[ -f "$cache/$asset.tar.gz" ]] || tar czf "$cache/$asset.tar.gz" -C "$(dirname "$RG")" "$(basename "$RG")"
  done
done

cd "$DIR"
[[ -f package.json ]] || echo '{"name":"code-server-cache","private":true}' > package.json
# node-pty's postinstall calls npx, which needs `yes` without a terminal; root needs --unsafe-perm.
npm_config_yes=true npm install --no-audit --no-fund --no-save --unsafe-perm=true "code-server@$VERSION" >&2
[[ -x "$BIN" ]] || { echo "code-server binary missing after install: $BIN" >&2; exit 1; }
touch "$DIR/.installed"
echo "$BIN"
