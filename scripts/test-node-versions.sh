#!/usr/bin/env bash
# Runs the test suite under other Node majors: `scripts/test-node-versions.sh 22 24`.
# Each Node comes from the npm registry package node-linux-<arch>@<major> (binary and
# headers). The suite runs in a copy of the tree whose addon is rebuilt against those
# headers with node-gyp --nodedir, so this tree's own build is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

work=$(mktemp -d)
# Readable by all: the permission tests run a child as another user from this tree.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

for major in "$@"; do
  echo "=== Node ${major}: fetching node-linux-${arch}@${major}"
  (cd "$work" && npm pack --silent "node-linux-${arch}@${major}" >/dev/null)
  dir="$work/node${major}"
  mkdir -p "$dir"
  tar -xzf "$work"/node-linux-${arch}-${major}.*.tgz -C "$dir" --strip-components=1
  export_path="$dir/bin:$PATH"
  tree="$work/tree${major}"
  mkdir -p "$tree"
  tar -c --exclude=./node_modules --exclude=./build --exclude=./dist --exclude=./.git . | tar -x -C "$tree"
  ln -s "$PWD/node_modules" "$tree/node_modules"
  echo "=== Node ${major}: $(PATH="$export_path" node --version), rebuilding the addon"
  # npm passes its own `nodedir` setting down as npm_config_nodedir, which would win over
  # --nodedir; set both so the addon really builds against this Node's headers.
  (cd "$tree" && PATH="$export_path" npm_config_nodedir="$dir" node node_modules/node-gyp/bin/node-gyp.js rebuild --nodedir="$dir" >/dev/null)
  grep -q "$dir/include/node" "$tree"/build/Release/.deps/Release/obj.target/shmring/native/src/addon.o.d \
    || { echo "the addon was not built against Node ${major}'s headers" >&2; exit 1; }
  echo "=== Node ${major}: running the suite"
  (cd "$tree" && PATH="$export_path" npx vitest run)
done
