#!/usr/bin/env bash
# Installs what the frontend build and the browser tests need (see shared TOOLCHAIN.md):
# Debian's wasm-capable rustc + Chromium, trunk, wasm-bindgen-cli, npm's binaryen@132 and
# playwright-core, and Python's aiosmtpd (the tests' SMTP server). Idempotent: each step is
# skipped when the right version is already present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"
TOOLS_NODE="$ROOT/.tools/node"
APT_PACKAGES=(rustc-web rust-web-src rust-web-llvm lld-19 rust-web-clippy chromium)

log() { printf '[install-deps] %s\n' "$*" >&2; }
die() { printf '[install-deps] error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# --- Debian packages -------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
    log "apt: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
    log "apt: all packages present"
fi

# --- cargo-installed tools -------------------------------------------------------------------
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
command -v cargo >/dev/null 2>&1 || die "cargo not found (rustup's toolchain is expected)"

if [[ "$(trunk --version 2>/dev/null || true)" == "trunk $TRUNK_VERSION" ]]; then
    log "trunk $TRUNK_VERSION present"
else
    log "cargo install trunk $TRUNK_VERSION (about 5 minutes on 2 cores)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate exactly: Cargo.lock wins, else the root
# manifest's `=X` pin (before the first build there may be no lockfile yet).
wb_version=""
if [[ -f Cargo.lock ]]; then
    wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
fi
if [[ -z "$wb_version" ]]; then
    wb_version="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)"
fi
[[ -n "$wb_version" ]] || die "cannot tell the wasm-bindgen version from Cargo.lock or Cargo.toml"

if [[ "$(wasm-bindgen --version 2>/dev/null || true)" == "wasm-bindgen $wb_version"* ]]; then
    log "wasm-bindgen-cli $wb_version present"
else
    # No --locked: its packaged lockfile names a crate version the registry here lacks.
    log "cargo install wasm-bindgen-cli $wb_version (about 2 minutes)"
    cargo install wasm-bindgen-cli --version "$wb_version"
fi

# --- npm packages (project-local; never downloads browsers) ----------------------------------
if "$TOOLS_NODE/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    log "binaryen $BINARYEN_VERSION present in .tools/node"
else
    log "npm: binaryen@$BINARYEN_VERSION into .tools/node"
    mkdir -p "$TOOLS_NODE"
    npm install --prefix "$TOOLS_NODE" --no-audit --no-fund --save-exact "binaryen@$BINARYEN_VERSION"
fi

if [[ -f e2e/package.json ]]; then
    want_pw="$(node -p 'require("./e2e/package.json").dependencies["playwright-core"]')"
    have_pw="$(node -p 'require("./e2e/node_modules/playwright-core/package.json").version' 2>/dev/null || true)"
    if [[ "$have_pw" == "$want_pw" ]]; then
        log "playwright-core $have_pw present in e2e/node_modules"
    else
        log "npm: e2e dependencies (playwright-core $want_pw)"
        export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
        if [[ -f e2e/package-lock.json ]]; then
            npm ci --prefix e2e --no-audit --no-fund
        else
            npm install --prefix e2e --no-audit --no-fund
        fi
    fi
fi

# --- Python: aiosmtpd, the SMTP sink of the notification tests (e2e/smtp_sink.py) ---------------
# A venv in .tools/python; scripts/test.sh points HANDOFF_TEST_PYTHON at it.
AIOSMTPD_VERSION="1.4.6"
TEST_VENV="$ROOT/.tools/python"
if "$TEST_VENV/bin/python" -c "import sys, aiosmtpd; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    log "aiosmtpd $AIOSMTPD_VERSION present in .tools/python"
else
    if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        log "apt: installing python3 python3-venv"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3 python3-venv
    fi
    log "pip: aiosmtpd $AIOSMTPD_VERSION into .tools/python"
    rm -rf "$TEST_VENV"
    python3 -m venv "$TEST_VENV"
    "$TEST_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi

log "done: $(trunk --version), $(wasm-bindgen --version), wasm-opt $("$TOOLS_NODE/node_modules/.bin/wasm-opt" --version | awk '{print $3}'), $(/usr/bin/rustc --version | cut -d' ' -f1-2)"
