#!/usr/bin/env bash
# Runs the test suite under other Node majors: `scripts/test-node-versions.sh 22 24`.
# Each Node comes from the npm registry package node-linux-<arch>@<major> (binary and
# headers), fetched into the cache scripts/node-dist.js shares with the prebuilds. The suite
# runs in a copy of the tree whose addon is rebuilt against those headers with node-gyp
# --nodedir, so this tree's own build is never touched. Then the prebuilt addon for that
# major (built against the oldest version of the major, see scripts/prebuild.js) is loaded
# by the newest one.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
# Readable by all: the permission tests run a child as another user from this tree.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

node scripts/prebuild.js
for major in "$@"; do
  echo "=== Node ${major}: fetching node-linux-$(node -p process.arch)@${major}"
  dir=$(node scripts/node-dist.js "$major")
  export_path="$dir/bin:$PATH"
  tree="$work/tree${major}"
  mkdir -p "$tree"
  tar -c --exclude=./node_modules --exclude=./build --exclude=./dist --exclude=./prebuilds --exclude=./.git . | tar -x -C "$tree"
  ln -s "$PWD/node_modules" "$tree/node_modules"
  echo "=== Node ${major}: $(PATH="$export_path" node --version), rebuilding the addon"
  # npm passes its own `nodedir` setting down as npm_config_nodedir, which would win over
  # --nodedir; set both so the addon really builds against this Node's headers.
  (cd "$tree" && PATH="$export_path" npm_config_nodedir="$dir" node node_modules/node-gyp/bin/node-gyp.js rebuild --nodedir="$dir" >/dev/null)
  grep -q "$dir/include/node" "$tree"/build/Release/.deps/Release/obj.target/shmring/native/src/addon.o.d \
    || { echo "the addon was not built against Node ${major}'s headers" >&2; exit 1; }
  echo "=== Node ${major}: running the suite"
  (cd "$tree" && PATH="$export_path" npx vitest run)
  echo "=== Node ${major}: the prebuilt addon"
  abi=$(PATH="$export_path" node -p process.versions.modules)
  PATH="$export_path" node scripts/check-addon.js "prebuilds/linux-$(node -p process.arch)/shmring.abi${abi}.node"
done
