// What jsii accepts but silently loses: run after the jsii build (`.jsii` in the repository root), fails when the
// public API (everything lib/index.ts exports) holds
// - a function, constant or type alias without `@jsii ignore` (jsii drops them from the assembly without a word, so
//   Python, Java, .NET and Go users would never see them: expose them as static members of a class, and tag the
//   TypeScript original `@jsii ignore`, documented as TypeScript only);
// - a class, interface or enum that is neither in the assembly nor tagged `@jsii ignore`;
// - a property, parameter or return type that is a union of string literals (jsii turns it into a plain `string`,
//   so other languages lose the closed set: make it an enum whose values are the same strings).
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

function literalUnion(type) {
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => (t.flags & ts.TypeFlags.StringLiteral) !== 0 && (t.flags & ts.TypeFlags.EnumLiteral) === 0)
    && parts.filter((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) === 0).length > 1;
}
function checkType(node, what) {
  if (!node) return;
  let type = checker.getTypeAtLocation(node);
  if (checker.isArrayType(type)) type = checker.getTypeArguments(type)[0];
  if (literalUnion(type)) {
    problems.push(`${where(node)}: ${what} is a union of string literals (${checker.typeToString(type)}), which jsii turns into a plain string: make it an enum whose values are those strings`);
  }
}
function checkMembers(decl, name) {
  for (const member of decl.members ?? []) {
    if (isIgnored(member)) continue;
    const flags = ts.getCombinedModifierFlags(member);
    if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    const memberName = member.name && ts.isIdentifier(member.name) ? member.name.text : 'constructor';
    if (memberName.startsWith('_')) continue;
    if (ts.isPropertyDeclaration(member) || ts.isPropertySignature(member)) checkType(member.type, `${name}.${memberName}`);
    if (ts.isMethodDeclaration(member) || ts.isMethodSignature(member) || ts.isConstructorDeclaration(member)) {
      checkType(member.type, `${name}.${memberName}() return`);
      for (const p of member.parameters) {
        checkType(p.type, `${name}.${memberName}(${p.name.getText()})`);
        if (ts.isConstructorDeclaration(member) && ts.getCombinedModifierFlags(p) & ts.ModifierFlags.Public) checkType(p.type, `${name}.${p.name.getText()}`);
      }
    }
  }
}

for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(index))) {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  for (const decl of symbol.declarations ?? []) {
    const name = exported.name;
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
