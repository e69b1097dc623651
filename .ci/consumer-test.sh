#!/usr/bin/env bash
# Consumer test: installs the packed library into a throwaway CDK app, as a user would, and synthesizes every
# headline construct (test/consumer/headline.ts) and every ```ts example of README.md (test/consumer/readme-app.mjs)
# there. The app has its own aws-cdk-lib (the peer range's minimum, or AWS_CDK_LIB_VERSION) and no esbuild; the
# tarball is checked to hold no .ts but declarations, so `ts-node --prefer-ts-exts` (cdk init's default) cannot pick
# a source file over the shipped JavaScript.
# Needs only the npm registry.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS
step() { echo "consumer-test: $* ($((SECONDS - start)) s)"; }

cd "$repo"
peer="$(node -p "require('./package.json').peerDependencies['aws-cdk-lib']")"
cdk_version="${AWS_CDK_LIB_VERSION:-${peer#^}}"
constructs_version="$(node -p "require('./package.json').devDependencies.constructs")"
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
step "packed $tarball"

# The tarball: declarations and bundles in, tests, benchmarks, CI and TypeScript sources out.
tar -tzf "$work/$tarball" > "$work/files.txt"
for required in package/dist/lib/index.js package/dist/lib/index.d.ts package/dist/lib/compose/compose-spec.schema.json \
  package/dist/lib/swarm/scripts/node-boot.sh package/dist/lib/cluster/scripts/block-instance-metadata.sh package/dist/handlers/asg-dns-updater/index.js package/examples/qa/docker-compose.yml; do
  grep -qx "$required" "$work/files.txt" || { echo "consumer-test: $required is missing from the tarball" >&2; exit 1; }
done
if grep -E '^package/(test|bench|\.ci|lambda|lib|bin|scripts)/|\.ts$' "$work/files.txt" | grep -v '\.d\.ts$'; then
  echo "consumer-test: the tarball holds the files above, which users must not get" >&2; exit 1
fi

app="$work/app"
mkdir -p "$app/bin"
cd "$app"
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
npm install --no-audit --no-fund --loglevel=error > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
step "installed aws-cdk-lib@$cdk_version and the tarball"

# Exactly one aws-cdk-lib and one constructs in the tree; no esbuild.
for pkg in aws-cdk-lib constructs; do
  count="$(npm ls "$pkg" --all --parseable 2>/dev/null | sort -u | wc -l)"
  [ "$count" = 1 ] || { npm ls "$pkg" --all; echo "consumer-test: $count copies of $pkg" >&2; exit 1; }
done
if [ -n "$(npm ls esbuild --all --parseable 2>/dev/null)" ]; then echo 'consumer-test: esbuild was installed' >&2; exit 1; fi

cp "$repo/test/consumer/headline.ts" bin/headline.ts
cp "$repo/examples/qa/docker-compose.yml" docker-compose.yml
# The README's secret-file example reads a secret file and a KMS public key from the app folder.
printf 'readme-example-password' > db_password.txt
node -e "const c=require('crypto');process.stdout.write(c.generateKeyPairSync('rsa',{modulusLength:2048}).publicKey.export({type:'spki',format:'der'}).toString('base64'))" > sealing-key.pub
node "$repo/test/consumer/readme-app.mjs" "$repo/README.md" bin/readme.ts
# One type-check of both apps against the package's declarations (what `npm run build` of a `cdk init` app does),
# then each app runs as plain JavaScript.
npx tsc -p . --outDir build
step "type-checked the apps against the package's declarations"
status=0
CONSUMER_OUTDIR=cdk.out.headline node build/bin/headline.js || status=1
step "headline constructs"
CONSUMER_OUTDIR=cdk.out.readme node build/bin/readme.js || status=1
step "README examples"
exit $status
