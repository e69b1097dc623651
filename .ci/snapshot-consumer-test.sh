#!/usr/bin/env bash
# Snapshot consumer test: the README's "Snapshot tests" example (the ```ts snapshot.test.ts block), run with jest in a
# throwaway app that installs the packed library, as a user would:
#   1. record the snapshot with this release;
#   2. install a copy of the same tarball whose every handler bundle has different bytes (a release that only changed
#      handlers) and check that the snapshot still passes with `jest --ci`;
#   3. change the service's image in the test and check that the snapshot now fails.
# Needs only the npm registry.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS
step() { echo "snapshot-consumer-test: $* ($((SECONDS - start)) s)"; }

cd "$repo"
dev() { node -p "require('./package.json').devDependencies['$1']"; }
cdk_version="$(dev aws-cdk-lib)"
constructs_version="$(dev constructs)"
jest_version="$(dev jest)"
sucrase_version="$(dev @sucrase/jest-plugin)"
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
step "packed $tarball"

# The "next release": the same package with every handler's bytes changed.
mkdir "$work/next"
tar -xzf "$work/$tarball" -C "$work/next"
changed=0
for bundle in "$work"/next/package/dist/handlers/*/index.js; do
  printf '\n// a release that changed this handler\n' >> "$bundle"
  changed=$((changed + 1))
done
[ "$changed" -gt 0 ] || { echo 'snapshot-consumer-test: no handler bundle in the tarball' >&2; exit 1; }
tar -czf "$work/next.tgz" -C "$work/next" package

app="$work/app"
mkdir -p "$app"
cd "$app"
cat > package.json <<JSON
{
  "name": "snapshot-consumer",
  "private": true,
  "dependencies": { "aws-cdk-lib": "$cdk_version", "constructs": "$constructs_version", "cdk-container-fleet": "file:../$tarball" },
  "devDependencies": { "jest": "$jest_version", "@sucrase/jest-plugin": "$sucrase_version" },
  "jest": { "testEnvironment": "node", "transform": { "\\\\.ts$": "@sucrase/jest-plugin" } }
}
JSON
# The README's block, verbatim.
awk '/^```tsx snapshot\.test\.ts$/ { on = 1; next } on && /^```$/ { exit } on { print }' "$repo/README.md" > snapshot.test.ts
grep -q 'fleetSnapshotSerializer' snapshot.test.ts || { echo 'snapshot-consumer-test: README has no snapshot.test.ts example' >&2; exit 1; }
npm install --no-audit --no-fund --loglevel=error > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
step "installed aws-cdk-lib@$cdk_version, jest@$jest_version and the tarball"

npx jest --ci=false > "$work/record.log" 2>&1 || { cat "$work/record.log"; exit 1; }
grep -q '1 snapshot written' "$work/record.log" || { cat "$work/record.log"; echo 'snapshot-consumer-test: no snapshot was written' >&2; exit 1; }
grep -q '\[asset 1\]' __snapshots__/snapshot.test.ts.snap || { echo 'snapshot-consumer-test: the snapshot has no asset placeholder' >&2; exit 1; }
step "recorded the snapshot"

npm install --no-audit --no-fund --loglevel=error "../next.tgz" > "$work/install-next.log" 2>&1 || { cat "$work/install-next.log"; exit 1; }
npx jest --ci > "$work/next.log" 2>&1 || { cat "$work/next.log"; echo "snapshot-consumer-test: a release that only changed $changed handlers broke the snapshot" >&2; exit 1; }
step "a release with $changed changed handlers passes the recorded snapshot"

sed -i "s/'nginx:1.27'/'nginx:1.28'/" snapshot.test.ts
if npx jest --ci > "$work/image.log" 2>&1; then
  cat "$work/image.log"; echo 'snapshot-consumer-test: a changed image did not break the snapshot' >&2; exit 1
fi
grep -q 'nginx:1.28' "$work/image.log" || { cat "$work/image.log"; exit 1; }
step "a changed image fails the snapshot"
