// What jsii accepts but silently loses: run after the jsii build (`.jsii` in the repository root), fails when the
// public API (everything lib/index.ts exports) holds
// - a function, constant or type alias without `@jsii ignore` (jsii drops them from the assembly without a word, so
//   Python, Java, .NET and Go users would never see them: expose them as static members of a class, and tag the
//   TypeScript original `@jsii ignore`, documented as TypeScript only);
// - a class, interface or enum that is neither in the assembly nor tagged `@jsii ignore`;
// - a namespace export (`export * as ns`: jsii drops its functions and type aliases);
// - a property (inherited, accessor or inferred ones too), parameter or return type of a public or protected member that
//   is a union of string or number literals, or holds one in an array or a map (jsii turns it into a plain `string` or
//   `number`, so other languages lose the closed set: make it an enum whose values are the same literals).
// `node scripts/check-jsii-api.mjs` prints every problem with its file and line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(import.meta.url)('typescript');

const assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8'));
const inAssembly = new Set(Object.values(assembly.types ?? {}).map((t) => t.name));

const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.jsii.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
const checker = program.getTypeChecker();
const index = program.getSourceFile(join(root, 'lib', 'index.ts'));

const problems = [];
const where = (node) => {
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart());
  return `${relative(root, file.fileName)}:${line + 1}`;
};
const isIgnored = (decl) => ts.getJSDocTags(decl).some((t) => t.tagName.text === 'jsii' && /^\s*ignore\b/.test(ts.getTextOfJSDocComment(t.comment) ?? ''));

/** A literal jsii would widen: a string or number literal (an enum member is not one; `boolean` is `true | false`). */
const isLiteral = (t) => (t.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral)) !== 0 && (t.flags & ts.TypeFlags.EnumLiteral) === 0;
/** Why `type` loses a closed set in jsii (a union of literals, or one inside an array or a map), or undefined. */
function closedSetLost(type, depth = 0) {
  if (depth > 8) return undefined;
  const parts = type.isUnion() ? type.types : [type];
  const values = parts.filter((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) === 0);
  if (values.some(isLiteral) && values.length > 1) return checker.typeToString(type);
  for (const t of values) {
    let inner = [];
    if (checker.isArrayType(t) || checker.isTupleType(t)) inner = checker.getTypeArguments(t);
    else if ((t.flags & ts.TypeFlags.Object) !== 0 && !t.getSymbol()?.declarations?.some((d) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d) || ts.isEnumDeclaration(d))) {
      inner = [t.getStringIndexType(), t.getNumberIndexType()].filter(Boolean);
    }
    for (const i of inner) {
      const lost = closedSetLost(i, depth + 1);
      if (lost) return lost;
    }
  }
  return undefined;
}
function checkType(type, node, what) {
  const lost = closedSetLost(type);
  if (lost) problems.push(`${where(node)}: ${what} is or holds a union of literals (${lost}), which jsii turns into a plain string or number: make it an enum whose values are those literals`);
}
function checkSignature(signature, node, what) {
  checkType(signature.getReturnType(), node, `${what} return`);
  for (const p of signature.getParameters()) checkType(checker.getTypeOfSymbolAtLocation(p, node), node, `${what}(${p.name})`);
}
/** Every public or protected member of `type` jsii puts in the assembly: inherited ones, accessors and inferred types included. */
function checkPropertiesOf(type, decl, name) {
  for (const member of checker.getPropertiesOfType(type)) {
    const memberDecl = member.declarations?.[0];
    if (!memberDecl || member.name === 'prototype' || member.name.startsWith('_') || member.declarations.some(isIgnored)) continue;
    if (ts.getCombinedModifierFlags(memberDecl) & ts.ModifierFlags.Private) continue;
    if (memberDecl.getSourceFile().fileName.includes('/node_modules/')) continue;
    const memberType = checker.getTypeOfSymbolAtLocation(member, decl);
    if (ts.isMethodDeclaration(memberDecl) || ts.isMethodSignature(memberDecl)) {
      for (const sig of checker.getSignaturesOfType(memberType, ts.SignatureKind.Call)) checkSignature(sig, memberDecl, `${name}.${member.name}()`);
    } else {
      checkType(memberType, memberDecl, `${name}.${member.name}`);
    }
  }
}
/** The instance members of a class or interface, and a class's constructor and static members. */
function checkMembers(decl, name) {
  const type = checker.getTypeAtLocation(decl);
  checkPropertiesOf(type, decl, name);
  if (ts.isClassDeclaration(decl)) {
    const statics = checker.getTypeOfSymbolAtLocation(type.getSymbol(), decl);
    for (const sig of checker.getSignaturesOfType(statics, ts.SignatureKind.Construct)) checkSignature(sig, decl, `new ${name}`);
    checkPropertiesOf(statics, decl, name);
  }
}

for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(index))) {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const name = exported.name;
  if (symbol.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) {
    problems.push(`lib/index.ts: ${name} is a namespace export (\`export * as ${name}\`), whose functions and type aliases jsii drops without a word: export its members by name`);
    continue;
  }
  for (const decl of symbol.declarations ?? []) {
    const node = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
    if (isIgnored(node)) continue;
    if (ts.isFunctionDeclaration(decl) || ts.isVariableDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) {
      const kind = ts.isFunctionDeclaration(decl) ? 'function' : ts.isVariableDeclaration(decl) ? 'constant' : 'type alias';
      problems.push(`${where(decl)}: the exported ${kind} ${name} is not in the jsii assembly: expose it as a static member of a documented class and tag this one "@jsii ignore" (TypeScript only)`);
    } else if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl) || ts.isEnumDeclaration(decl)) {
      if (!inAssembly.has(name)) problems.push(`${where(decl)}: ${name} is exported but not in the jsii assembly: make it jsii-compatible or tag it "@jsii ignore"`);
      if (!ts.isEnumDeclaration(decl)) checkMembers(decl, name);
    }
  }
}

if (problems.length) {
  console.error(`check-jsii-api: ${problems.length} problem(s) in the public API (docs/CONTRIBUTING.md, "A jsii-compatible API"):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-jsii-api: ${inAssembly.size} types in the assembly; every export of lib/index.ts is in it or TypeScript only by choice`);
