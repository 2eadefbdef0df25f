/**
 * `npm run build`: compiles the SDK into dist/ with declarations a user's project can resolve.
 *
 * The SDK's wire types (src/types.ts) are derived from the Worker's zod schemas through
 * type-only imports, so a schema change that breaks the SDK fails its typecheck. Published
 * as is, though, every `.d.ts` would import the Worker's modules, `zod` and `@hono/zod-openapi`
 * (none of them the SDK's dependencies, and a client should not pull zod's types), and tsc
 * would emit the Worker's `.js` next to the SDK's. So the build compiles the SDK twice over:
 *
 * 1. A program over src/types.ts and the Worker's schemas asks the type checker for each wire
 *    type that depends on them, fully resolved (`z.infer<…>` → the plain object type), and
 *    writes a stand-alone src/types.ts: the same exports and doc comments, no imports.
 * 2. The SDK is compiled with that text in place of src/types.ts. Its program never reaches
 *    ../src, so dist/ holds only the SDK's own JS and declarations — and a resolved type that
 *    does not fit the SDK's code fails this compile instead of a user's.
 *
 * The derivation in src/types.ts stays the one source; nothing generated is committed. The
 * packed package is checked end to end by test/node/pack.test.ts.
 */
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const sdkDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(sdkDir, "src");
const typesFile = join(srcDir, "types.ts");

const config = loadConfig(join(sdkDir, "tsconfig.build.json"));
const wireTypes = resolveWireTypes(
  // Only checked, never emitted: the Worker's files lie outside the SDK's rootDir.
  ts.createProgram([typesFile, join(sdkDir, "build/worker-env.d.ts")], {
    ...config.options,
    rootDir: undefined,
    noEmit: true,
  }),
);

const host = ts.createCompilerHost(config.options);
const readSource = host.getSourceFile.bind(host);
host.getSourceFile = (fileName, languageVersion, ...rest) =>
  resolve(fileName) === typesFile
    ? ts.createSourceFile(fileName, wireTypes, languageVersion, true)
    : readSource(fileName, languageVersion, ...rest);
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, host });

const outside = program
  .getSourceFiles()
  .map((f) => resolve(f.fileName))
  .filter((f) => !f.startsWith(`${srcDir}/`) && !f.includes("/node_modules/"));
if (outside.length > 0) fail(`the SDK's program reaches files outside sdk/src:\n  ${outside.join("\n  ")}`);

rmSync(config.options.outDir ?? join(sdkDir, "dist"), { recursive: true, force: true });
const emitted = program.emit();
const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
if (diagnostics.length > 0) fail(format(diagnostics));

function loadConfig(path: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(path, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => fail(format([d])),
  });
  if (!parsed) fail(`cannot read ${path}`);
  if (parsed.errors.length > 0) fail(format(parsed.errors));
  return parsed;
}

/**
 * The text of a stand-alone src/types.ts. A top-level declaration that (transitively) names
 * something imported from outside the SDK is "derived": exported ones are replaced by their
 * resolved type, unexported ones (helpers such as `KnownKeys`) are dropped. Everything else
 * (hand-written interfaces, aliases of other wire types) is kept verbatim, so the output reads
 * like the source: `SessionListParams` still says `SessionStatus`, not its four literals.
 */
function resolveWireTypes(source: ts.Program): string {
  const sf = source.getSourceFile(typesFile);
  if (!sf) fail(`${typesFile} is not in its own program`);
  const errors = [...source.getSyntacticDiagnostics(sf), ...source.getSemanticDiagnostics(sf)];
  if (errors.length > 0) fail(format(errors));
  const checker = source.getTypeChecker();

  const declared = new Map<ts.Symbol, ts.Statement>();
  for (const statement of sf.statements) {
    if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) {
      const symbol = checker.getSymbolAtLocation(statement.name);
      if (symbol) declared.set(symbol, statement);
    }
  }
  const isExported = (s: ts.Statement) =>
    ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  /** The names a declaration refers to: imports (external) and other top-level declarations. */
  const references = (statement: ts.Statement) => {
    const external: string[] = [];
    const local = new Set<ts.Statement>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        const symbol = checker.getSymbolAtLocation(node);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) external.push(node.text);
        const target = symbol && declared.get(symbol);
        if (target && target !== statement) local.add(target);
      }
      ts.forEachChild(node, visit);
    };
    visit(statement);
    return { external, local };
  };

  const derived = new Set<ts.Statement>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const statement of declared.values()) {
      if (derived.has(statement)) continue;
      const { external, local } = references(statement);
      const viaDropped = [...local].some((s) => derived.has(s) && !isExported(s));
      if (external.length > 0 || viaDropped) {
        derived.add(statement);
        changed = true;
      }
    }
  }

  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const out: string[] = [
    "// Generated by build/build.ts from src/types.ts: the wire types with the Worker's schemas resolved.\n",
  ];
  const leading = (node: ts.Node) => sf.text.slice(node.getFullStart(), node.getStart(sf));
  const resolvedAlias = (name: string, symbol: ts.Symbol, at: ts.Node) => {
    const node = resolvedTypeNode(checker, symbol, sf, name);
    const alias = ts.factory.createTypeAliasDeclaration(
      [ts.factory.createModifier(ts.SyntaxKind.ExportKeyword)],
      name,
      undefined,
      node,
    );
    return `${leading(at)}${printer.printNode(ts.EmitHint.Unspecified, alias, sf)}`;
  };

  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement)) continue;
    if (ts.isExportDeclaration(statement)) {
      // `export type { ErrorCode } from "../../src/errors"`: each name becomes a resolved alias.
      const clause = statement.exportClause;
      if (!clause || !ts.isNamedExports(clause))
        fail(`unsupported re-export in types.ts: ${statement.getText(sf)}`);
      for (const element of clause.elements) {
        const symbol = checker.getSymbolAtLocation(element.name);
        if (!symbol) fail(`cannot resolve ${element.name.text}`);
        const target = checker.getAliasedSymbol(symbol);
        const doc = ts.displayPartsToString(target.getDocumentationComment(checker));
        if (doc) out.push(`\n/** ${doc} */`);
        out.push(resolvedAlias(element.name.text, target, statement));
      }
      continue;
    }
    if (!derived.has(statement)) {
      out.push(sf.text.slice(statement.getFullStart(), statement.getEnd()));
      continue;
    }
    if (!isExported(statement)) continue;
    const name = (statement as ts.TypeAliasDeclaration | ts.InterfaceDeclaration).name;
    const symbol = checker.getSymbolAtLocation(name);
    if (!symbol) fail(`cannot resolve ${name.text}`);
    out.push(resolvedAlias(name.text, symbol, statement));
  }
  return `${out.join("").trim()}\n`;
}

/**
 * A wire type as a type node without references the SDK cannot resolve. Anonymous object types
 * (what zod infers) print structurally; a named interface from the Worker (such as
 * `FieldError`) is written out member by member. Anything else still pointing outside the SDK
 * fails the build, naming it, rather than shipping a declaration that imports the Worker.
 */
function resolvedTypeNode(
  checker: ts.TypeChecker,
  symbol: ts.Symbol,
  at: ts.SourceFile,
  name: string,
): ts.TypeNode {
  const flags =
    ts.NodeBuilderFlags.NoTruncation |
    ts.NodeBuilderFlags.InTypeAlias |
    ts.NodeBuilderFlags.MultilineObjectLiterals;
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const toNode = (t: ts.Type) => {
    const node = checker.typeToTypeNode(t, at, flags);
    if (!node) fail(`cannot print the type of ${name}`);
    return node;
  };
  let node = toNode(type);
  const declaredOutside = (symbol.declarations ?? []).every(
    (d) => !resolve(d.getSourceFile().fileName).startsWith(`${srcDir}/`),
  );
  if (declaredOutside && symbol.flags & ts.SymbolFlags.Interface) {
    node = ts.factory.createTypeLiteralNode(
      checker
        .getPropertiesOfType(type)
        .map((property) =>
          ts.factory.createPropertySignature(
            undefined,
            property.name,
            property.flags & ts.SymbolFlags.Optional
              ? ts.factory.createToken(ts.SyntaxKind.QuestionToken)
              : undefined,
            toNode(checker.getTypeOfSymbol(property)),
          ),
        ),
    );
  }
  const visit = (n: ts.Node): void => {
    if (ts.isImportTypeNode(n)) {
      fail(
        `${name} refers to a type outside the SDK (${n.qualifier && ts.isIdentifier(n.qualifier) ? n.qualifier.text : "?"}); resolve it in types.ts`,
      );
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return node;
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => sdkDir,
    getNewLine: () => "\n",
  });
}

function fail(message: string): never {
  console.error(`build: ${message.replaceAll(`${sdkDir}/`, "")}`);
  process.exit(1);
}
