#!/usr/bin/env bash
# Consumer test: installs the packed library into a throwaway CDK app, as a user would, and synthesizes every
# headline construct (test/consumer/headline.ts) and every ```ts example of README.md (test/consumer/readme-app.mjs)
# there. The app has its own aws-cdk-lib and no esbuild; the tarball is checked to hold no .ts but declarations, so
# `ts-node --prefer-ts-exts` (cdk init's default) cannot pick a source file over the shipped JavaScript.
#
# It runs twice, each in an app of its own: against the oldest versions the peer ranges accept (aws-cdk-lib and
# constructs, from package.json), so the declared minimum is a tested one, and against the registry's latest of both,
# looked up now, so a release of aws-cdk-lib that breaks the package fails the next CI run.
# AWS_CDK_LIB_VERSION=x.y.z runs once, against that aws-cdk-lib (and the latest constructs).
# Needs only the npm registry.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS
step() { echo "consumer-test: $* ($((SECONDS - start)) s)"; }

cd "$repo"
peer() { node -p "require('./package.json').peerDependencies['$1'].replace(/^\\^/, '')"; }
min_cdk="$(peer aws-cdk-lib)"
min_constructs="$(peer constructs)"
latest_cdk="$(npm view aws-cdk-lib version)"
latest_constructs="$(npm view constructs version)"
if [ -n "${AWS_CDK_LIB_VERSION:-}" ]; then
  runs=("$AWS_CDK_LIB_VERSION $latest_constructs")
else
  runs=("$min_cdk $min_constructs" "$latest_cdk $latest_constructs")
fi
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
step "packed $tarball"

# The tarball: declarations, the jsii assembly, bundled runtime dependencies, bundles, licence, third-party notices and changelog in; tests, benchmarks, CI and
# TypeScript sources out.
tar -tzf "$work/$tarball" > "$work/files.txt"
for required in package/dist/lib/index.js package/dist/lib/index.d.ts package/dist/lib/compose/compose-spec.schema.json \
  package/dist/lib/swarm/scripts/node-boot.sh package/dist/lib/cluster/scripts/block-instance-metadata.sh package/dist/handlers/asg-dns-updater/index.js package/examples/qa/docker-compose.yml \
  package/.jsii package/node_modules/yaml/package.json package/LICENSE package/dist/handlers/THIRD-PARTY-NOTICES.txt package/CHANGELOG.md package/README.md; do
  grep -qx "$required" "$work/files.txt" || { echo "consumer-test: $required is missing from the tarball" >&2; exit 1; }
done
# Bundled runtime dependencies (package/node_modules/, as jsii requires) are out of this check: ts-node never compiles
# inside node_modules, and ajv ships its TypeScript sources beside its JavaScript.
if grep -v '^package/node_modules/' "$work/files.txt" | grep -E '^package/(test|bench|\.ci|lambda|lib|bin|scripts)/|\.ts$' | grep -v '\.d\.ts$'; then
  echo "consumer-test: the tarball holds the files above, which users must not get" >&2; exit 1
fi
# npm's package page shows the README without the repository around it: a relative link to a file the tarball does
# not hold is a dead link there.
tar -xzf "$work/$tarball" -C "$work" package/README.md package/.jsii
# The jsii assembly other languages' bindings are generated from names every headline construct.
for name in FleetCluster FleetService FleetLoadBalancer AsgDnsRecord SwarmCluster SwarmNodeGroup ComposeProject FileSecret \
  CleanSlate FleetConductor FleetPreflightChecks ProductionStack QaStack; do
  node -e "process.exit(JSON.parse(require('fs').readFileSync('$work/package/.jsii', 'utf8')).types['cdk-container-fleet.$name'] ? 0 : 1)" \
    || { echo "consumer-test: the tarball's .jsii assembly has no $name" >&2; exit 1; }
done
if grep -nE '\]\((\./)?(docs|bench|lambda|lib|test|examples|bin|scripts)/' "$work/package/README.md"; then
  echo "consumer-test: the README lines above link files relative to the repository; npm's page cannot follow them" >&2; exit 1
fi

# One throwaway app against aws-cdk-lib $1 and constructs $2. Called as a condition, where bash ignores `set -e`:
# every step that can fail returns on its own.
consumer_app() {
  local cdk_version="$1" constructs_version="$2" app="$work/app-$1" app_start=$SECONDS
  mkdir -p "$app/bin" && cd "$app" || return 1
  cat > package.json <<JSON
{
  "name": "consumer-app",
  "private": true,
  "dependencies": {
    "aws-cdk-lib": "$cdk_version",
    "constructs": "$constructs_version",
    "cdk-container-fleet": "file:../$tarball"
  },
  "devDependencies": { "@types/node": "22.20.5", "typescript": "5.9.3" }
}
JSON
  cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "commonjs", "lib": ["es2022"], "declaration": true, "strict": true,
    "noImplicitAny": true, "strictNullChecks": true, "noImplicitThis": true, "alwaysStrict": true,
    "noUnusedLocals": false, "noUnusedParameters": false, "noImplicitReturns": true, "noFallthroughCasesInSwitch": false,
    "inlineSourceMap": true, "inlineSources": true, "experimentalDecorators": true, "strictPropertyInitialization": false,
    "typeRoots": ["./node_modules/@types"], "rootDir": "."
  },
  "exclude": ["node_modules", "cdk.out"]
}
JSON
  # Strict peer resolution: a version outside the package's peer range is an ERESOLVE here, as in a user's app.
  npm install --no-audit --no-fund --loglevel=error --strict-peer-deps > "$app/install.log" 2>&1 || { cat "$app/install.log"; return 1; }
  step "installed aws-cdk-lib@$cdk_version, constructs@$constructs_version and the tarball"

  # Exactly one aws-cdk-lib and one constructs in the tree, the versions asked for; no esbuild.
  for pkg in aws-cdk-lib constructs; do
    count="$(npm ls "$pkg" --all --parseable 2>/dev/null | sort -u | wc -l)"
    [ "$count" = 1 ] || { npm ls "$pkg" --all; echo "consumer-test: $count copies of $pkg" >&2; return 1; }
  done
  installed="$(node -p "require('aws-cdk-lib/package.json').version + ' ' + require('constructs/package.json').version")" || return 1
  [ "$installed" = "$cdk_version $constructs_version" ] || { echo "consumer-test: installed $installed, not $cdk_version $constructs_version" >&2; return 1; }
  if [ -n "$(npm ls esbuild --all --parseable 2>/dev/null)" ]; then echo 'consumer-test: esbuild was installed' >&2; return 1; fi

  cp "$repo/test/consumer/headline.ts" bin/headline.ts && cp "$repo/examples/qa/docker-compose.yml" docker-compose.yml || return 1
  # The README's secret-file example reads a secret file and a KMS public key from the app folder.
  printf 'readme-example-password' > db_password.txt
  node -e "const c=require('crypto');process.stdout.write(c.generateKeyPairSync('rsa',{modulusLength:2048}).publicKey.export({type:'spki',format:'der'}).toString('base64'))" > sealing-key.pub || return 1
  node "$repo/test/consumer/readme-app.mjs" "$repo/README.md" bin/readme.ts || return 1
  # One type-check of both apps against the package's declarations (what `npm run build` of a `cdk init` app does),
  # then each app runs as plain JavaScript.
  npx tsc -p . --outDir build || { echo "consumer-test: the apps do not type-check against aws-cdk-lib $cdk_version" >&2; return 1; }
  step "type-checked the apps against the package's declarations (aws-cdk-lib $cdk_version)"
  local status=0
  CONSUMER_OUTDIR=cdk.out.headline node build/bin/headline.js || status=1
  step "headline constructs (aws-cdk-lib $cdk_version)"
  CONSUMER_OUTDIR=cdk.out.readme node build/bin/readme.js || status=1
  step "README examples (aws-cdk-lib $cdk_version)"
  echo "consumer-test: aws-cdk-lib $cdk_version, constructs $constructs_version: $([ $status = 0 ] && echo passed || echo FAILED) in $((SECONDS - app_start)) s"
  cd "$repo"
  return $status
}

status=0
summary=()
for run in "${runs[@]}"; do
  read -r cdk_version constructs_version <<< "$run"
  if consumer_app "$cdk_version" "$constructs_version"; then result=passed; else result=FAILED; status=1; fi
  summary+=("aws-cdk-lib $cdk_version, constructs $constructs_version: $result")
done
printf 'consumer-test: %s\n' "${summary[@]}"
step "done"
exit $status
