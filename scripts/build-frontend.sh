#!/usr/bin/env bash
# Builds the Leptos frontend into frontend/dist with Trunk (release, offline), using Debian's
# wasm-capable rustc as described in shared TOOLCHAIN.md.
#
#   scripts/build-frontend.sh           release build into frontend/dist, prints the wasm size
#   scripts/build-frontend.sh serve     `trunk serve` on 127.0.0.1:8081 (dev profile), proxying
#                                       /graphql to a backend on 127.0.0.1:8080
#   scripts/build-frontend.sh clippy    Debian's clippy on the frontend for wasm32
#
# The wasm settings live only in this process's environment, and the build uses its own
# target dir (target/wasm), so the native backend build in target/ is never invalidated.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[build-frontend] %s\n' "$*" >&2; }
die() { printf '[build-frontend] error: %s\n' "$*" >&2; exit 1; }

BINARYEN_BIN="$ROOT/.tools/node/node_modules/.bin"
export PATH="$BINARYEN_BIN:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_RUSTC=/usr/bin/rustc
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
export CARGO_TARGET_DIR="${HANDOFF_WASM_TARGET_DIR:-$ROOT/target/wasm}"

missing=()
[[ -x /usr/bin/rustc ]] || missing+=("/usr/bin/rustc (rustc-web)")
[[ -d /usr/lib/rustlib/src/rust/library ]] || missing+=("std sources (rust-web-src)")
command -v wasm-ld-19 >/dev/null 2>&1 || missing+=("wasm-ld-19 (lld-19)")
command -v trunk >/dev/null 2>&1 || missing+=("trunk")
command -v wasm-bindgen >/dev/null 2>&1 || missing+=("wasm-bindgen")
[[ -x "$BINARYEN_BIN/wasm-opt" ]] || missing+=("wasm-opt (npm binaryen@132 in .tools/node)")
if ((${#missing[@]})); then
    die "missing: ${missing[*]}; run scripts/install-deps.sh first"
fi

mode="${1:-build}"

# build-std needs the standard library's own dependencies in the local registry before any
# --offline build; `cargo fetch` is quick when they are already there.
if ! cargo fetch --target wasm32-unknown-unknown --locked >/dev/null 2>&1; then
    log "fetching crates (including build-std's dependencies)"
    cargo fetch --target wasm32-unknown-unknown
fi

case "$mode" in
    build)
        start=$SECONDS
        trunk build --release --offline
        log "trunk build finished in $((SECONDS - start)) s"
        shopt -s nullglob
        wasm=(frontend/dist/*.wasm)
        ((${#wasm[@]} == 1)) || die "expected one .wasm in frontend/dist, found ${#wasm[@]}"
        raw=$(stat -c %s "${wasm[0]}")
        gz=$(gzip -9 -c "${wasm[0]}" | wc -c)
        log "$(basename "${wasm[0]}"): $((raw / 1024)) KiB, gzip -9 $((gz / 1024)) KiB ($gz bytes)"
        ;;
    serve)
        shift
        # A dist of its own, so the dev build never replaces the release build in frontend/dist.
        exec trunk serve --offline --dist "$CARGO_TARGET_DIR/serve-dist" "$@"
        ;;
    clippy)
        # rustup's clippy looks for std sources it does not have; Debian's has them.
        exec /usr/bin/cargo-clippy clippy -p handoff-frontend --target wasm32-unknown-unknown \
            --all-targets -- -D warnings
        ;;
    *)
        die "unknown mode '$mode' (build | serve | clippy)"
        ;;
esac
