// ESLint rule `iris/context-boundaries`: a context is a folder directly under src/ (src/app/ is
// one too). Inside a context any relative import is allowed (knowledge/answer/ may import
// ../graph/…); from anywhere else, a context is reached only through its index.ts face, or its
// constants.ts face (values with no run-time imports, for the CLI's start-up). core/ is
// the shared kernel: its files are imported directly. Imports are judged by the path they resolve
// to, not by how they are spelt, so `../../jobs/worker.js` fails from any depth.
import path from 'node:path';

/** Contexts whose individual files anyone may import. */
const SHARED = new Set(['core']);

/** The files through which another context may be reached. */
const FACES = new Set(['index.js', 'index.ts', 'index', 'constants.js', 'constants.ts', 'constants']);

/** The context a file under src/ belongs to, or undefined for a file outside src/. */
function contextOf(srcRoot, file) {
  const rel = path.relative(srcRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0] : '(src)';
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Reach another context only through its index.ts face.' },
    schema: [],
    messages: {
      deep: "'{{source}}' reaches inside the {{target}} context; import it from '{{face}}' (its index.ts face).",
    },
  },
  create(context) {
    const srcRoot = path.join(context.cwd, 'src');
    const file = context.filename;
    const own = contextOf(srcRoot, file);
    if (own === undefined) return {};
    function check(node, source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source);
      const targetContext = contextOf(srcRoot, target);
      if (
        targetContext === undefined ||
        targetContext === own ||
        targetContext === '(src)' ||
        SHARED.has(targetContext)
      )
        return;
      const inside = path.relative(path.join(srcRoot, targetContext), target);
      if (FACES.has(inside)) return;
      const face = path
        .relative(path.dirname(file), path.join(srcRoot, targetContext, 'index.js'))
        .split(path.sep)
        .join('/');
      context.report({
        node,
        messageId: 'deep',
        data: { source, target: targetContext, face: face.startsWith('.') ? face : `./${face}` },
      });
    }
    const fromSource = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportType: (node) => {
        const arg = node.argument;
        const literal = arg?.type === 'TSLiteralType' ? arg.literal : arg;
        if (literal?.type === 'Literal') check(literal, literal.value);
      },
    };
  },
};

export default { meta: { name: 'iris' }, rules: { 'context-boundaries': rule } };
