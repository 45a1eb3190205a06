/**
 * The project's own source as the architecture tests read it: every file's
 * imports and the text of its string literals, through the TypeScript
 * compiler's parser (no regular expressions over code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The folders of shipped code (tests and benchmarks build their own scaffolding). */
const SOURCE_ROOTS = ['api', 'workflows', 'modules', 'composition', 'tenants', 'platform', 'intelligence', 'schema'];

export interface SourceImport {
  /** Repository-relative path of the imported file (`modules/leads/lead.service.ts`), or the package name. */
  readonly target: string;
  readonly typeOnly: boolean;
}

export interface SourceFile {
  /** Repository-relative, with forward slashes. */
  readonly path: string;
  readonly imports: readonly SourceImport[];
  /** The text of every string and template literal (template parts joined by `${}`). */
  readonly literals: readonly string[];
  /** Tables the file writes through the query builder (`insertInto('leads')`, `updateTable`, `deleteFrom`, `mergeInto`). */
  readonly builderWrites: readonly string[];
}

const WRITE_METHODS = new Set(['insertInto', 'updateTable', 'deleteFrom', 'mergeInto', 'replaceInto']);

function listTs(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return listTs(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

function resolveImport(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) {
    // `@scope/name/sub` → `@scope/name`; `name/sub` → `name`.
    const parts = specifier.split('/');
    return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
  }
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return joined.endsWith('.js') ? `${joined.slice(0, -3)}.ts` : joined;
}

function templateText(node: ts.TemplateExpression): string {
  return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('${}');
}

function readSource(relative: string): SourceFile {
  const text = readFileSync(path.join(ROOT, relative), 'utf8');
  const file = ts.createSourceFile(relative, text, ts.ScriptTarget.Latest, true);
  const imports: SourceImport[] = [];
  const literals: string[] = [];
  const builderWrites: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node)
        ? (node.importClause?.isTypeOnly ?? false) ||
          (node.importClause?.namedBindings !== undefined &&
            ts.isNamedImports(node.importClause.namedBindings) &&
            node.importClause.name === undefined &&
            node.importClause.namedBindings.elements.length > 0 &&
            node.importClause.namedBindings.elements.every((element) => element.isTypeOnly))
        : node.isTypeOnly;
      imports.push({ target: resolveImport(relative, node.moduleSpecifier.text), typeOnly });
      return;
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && WRITE_METHODS.has(node.expression.name.text)) {
      const [table] = node.arguments;
      if (table !== undefined && ts.isStringLiteralLike(table)) builderWrites.push(table.text.split(' ')[0] ?? table.text);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteral(argument)) imports.push({ target: resolveImport(relative, argument.text), typeOnly: false });
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literals.push(node.text);
    else if (ts.isTemplateExpression(node)) literals.push(templateText(node));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { path: relative, imports, literals, builderWrites };
}

let cached: readonly SourceFile[] | undefined;

export function sourceTree(): readonly SourceFile[] {
  cached ??= SOURCE_ROOTS.flatMap(listTs).map(readSource);
  return cached;
}

export const topFolder = (relative: string): string => relative.split('/')[0] ?? '';
