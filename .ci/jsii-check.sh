#!/usr/bin/env bash
# The library as a jsii module, checked offline (docs/CONTRIBUTING.md, "A jsii-compatible API"):
# 1. the package build compiles lib/ with jsii (warnings are errors) and writes the `.jsii` assembly;
# 2. scripts/check-jsii-api.mjs: nothing of lib/index.ts is silently left out of the assembly, and no public type is
#    a union of string literals (jsii would make it a plain string);
# 3. the assembly names every headline construct;
# 4. jsii-pacmak generates the Python bindings (code only: building the wheel needs Python's build tools and publishing
#    needs PyPI), and each headline construct is a class there;
# 5. docs/API.md, the API reference jsii-docgen generates from the assembly, is the committed one;
# 6. jsii-rosetta compiles every TypeScript example of the README in strict mode and translates it.
# Needs only node_modules (npm ci).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS
step() { echo "jsii-check: $* ($((SECONDS - start)) s)"; }

npm run --silent build -- --quiet
node scripts/check-jsii-api.mjs
step "jsii compiled lib/"

headline=(FleetCluster FleetService FleetLoadBalancer AsgDnsRecord AsgDnsUpdater SwarmCluster SwarmNodeGroup ComposeProject
  FileSecret CleanSlate RegionalEndpoint FleetConductor FleetPreflightChecks FleetDashboard ProductionStack QaStack)
for name in "${headline[@]}"; do
  node -e "const a = JSON.parse(require('fs').readFileSync('.jsii', 'utf8')); if (!a.types['cdk-container-fleet.$name']) { console.error('jsii-check: $name is not in the .jsii assembly'); process.exit(1); }"
done
step "the assembly names all ${#headline[@]} headline constructs"

npx jsii-pacmak --code-only --targets python --outdir "$work/pacmak" >/dev/null
init="$(find "$work/pacmak/python" -path '*/cdk_container_fleet/__init__.py' | head -1)"
[ -n "$init" ] || { echo 'jsii-check: jsii-pacmak generated no cdk_container_fleet Python module' >&2; exit 1; }
for name in "${headline[@]}"; do
  grep -q "^class ${name}(" "$init" || { echo "jsii-check: the Python bindings have no class $name" >&2; exit 1; }
done
step "Python bindings generated ($(grep -c '^class ' "$init") classes)"

npx jsii-docgen --output "$work/API.md" >/dev/null
if ! cmp -s "$work/API.md" docs/API.md; then
  diff -u docs/API.md "$work/API.md" | head -40 >&2 || true
  echo 'jsii-check: docs/API.md is not what jsii-docgen generates from the assembly: run npm run docs and commit docs/API.md' >&2
  exit 1
fi
step "docs/API.md matches the assembly"

node rosetta/generate-fixtures.mjs
npx jsii-rosetta extract --strict .jsii >"$work/rosetta.log" 2>&1 || { cat "$work/rosetta.log" >&2; exit 1; }
step "README examples compile and translate in strict mode"
