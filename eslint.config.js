import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layer rules of DESIGN.md ("Layers and the way data flows"), enforced by no-restricted-imports:
 * each folder lists the project folders and packages it may import; an import of any other is an
 * error, so `npm test` (which runs `npm run check`) fails on it. Imports are matched by their path
 * segments (`../training/x.js`, `../../solvers/fft.js`), which the folder names make unambiguous.
 */
const TOP = ['core', 'solvers', 'datasets', 'src', 'bench', 'test'];
const SRC = ['cli', 'data', 'engine', 'evaluate', 'inference', 'insr', 'metrics', 'models', 'report', 'training', 'uq'];
const PACKAGES = { tfjs: '^@tensorflow/', h5wasm: '^h5wasm($|/)', plotly: '^plotly\\.js' };

/**
 * One config object for `folder` (e.g. 'solvers' or 'src/metrics'): `may` lists what it may import
 * besides itself — top-level folders ('core', 'solvers'), src folders ('src/data') and packages
 * ('tfjs', 'h5wasm', 'plotly'); node: built-ins are always allowed.
 */
function layer(folder, may) {
  const [top, sub] = folder.split('/');
  const allowed = new Set([folder, ...may]);
  const patterns = [];
  for (const t of TOP) {
    if (t === top || allowed.has(t) || t === 'src') continue;
    patterns.push({ regex: `(^|/)${t}/`, message: `${folder}/ may import only ${describe(may)} (DESIGN.md, layers).` });
  }
  const srcAllowed = SRC.filter((s) => allowed.has(`src/${s}`) || s === sub);
  if (!allowed.has('src')) {
    if (top !== 'src' && srcAllowed.length === 0) {
      patterns.push({ regex: '(^|/)src/', message: `${folder}/ may import only ${describe(may)} (DESIGN.md, layers).` });
    } else {
      // Inside src/ a sibling is `../name/`; from outside it is `src/name/`: forbid every src folder not allowed.
      const banned = SRC.filter((s) => !srcAllowed.includes(s));
      patterns.push({ regex: `(^|/)(${banned.join('|')})/`, message: `${folder}/ may import only ${describe(may)} (DESIGN.md, layers).` });
      if (top === 'src') patterns.push({ regex: '^\\.\\./index(\\.js)?$', message: `${folder}/ must not import the package's public index.` });
    }
  }
  for (const [name, regex] of Object.entries(PACKAGES)) {
    if (!allowed.has(name)) patterns.push({ regex, message: `${folder}/ must not import ${name} (DESIGN.md, layers).` });
  }
  return { files: [`${folder}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

function describe(may) {
  return may.length === 0 ? 'node built-ins (it is the leaf of the layering)' : may.join(', ');
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'runs/**', 'data/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  layer('core', []),
  // Solvers are the float64 ground truth: never tfjs.
  layer('solvers', ['core']),
  layer('datasets', ['core', 'solvers', 'src/data', 'h5wasm']),
  layer('src/engine', ['core', 'tfjs']),
  layer('src/data', ['core', 'h5wasm']),
  layer('src/models', ['core', 'src/engine', 'tfjs']),
  layer('src/metrics', ['core']),
  // The ProbConserv projection is plain float64 linear algebra: core only.
  layer('src/uq/projection', ['core']),
  layer('src/inference', ['core', 'src/models', 'src/engine', 'src/data', 'tfjs']),
  layer('src/training', ['core', 'src/models', 'src/engine', 'src/data', 'src/inference', 'tfjs']),
  layer('src/uq', ['core', 'src/inference', 'src/training', 'src/models', 'src/engine', 'src/data', 'tfjs']),
  layer('src/report', ['core', 'src/metrics', 'plotly']),
  layer('src/insr', ['core', 'solvers', 'src/engine', 'src/data', 'tfjs']),
  // src/evaluate, src/cli, src/index.ts, bench/ and test/ may import everything.
);
