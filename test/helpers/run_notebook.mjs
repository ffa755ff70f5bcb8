/**
 * Executes a TypeScript notebook the way the tslab Jupyter kernel does, without Jupyter: tslab's
 * own converter (the kernel's TypeScript transpilation, declarations carried from cell to cell)
 * and executor, cell by cell, in this process, with the notebook's folder as the working
 * directory and module root, as the kernel has it.
 *
 * usage: node test/helpers/run_notebook.mjs NOTEBOOK.ipynb REPORT.json
 *
 * The report holds one entry per code cell: whether it executed (`ok`), what it wrote to stdout
 * and stderr while it ran (console.log/error, tslab's diagnostics, printed last expressions) and
 * the MIME bundles it displayed through `tslab.display`. Execution stops at the first failing
 * cell (as "Run all" does). Exit status 0 when every cell executed, 1 otherwise.
 */
/* global process, Buffer, console */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [notebookArg, reportArg] = process.argv.slice(2);
if (!notebookArg || !reportArg) {
  process.stderr.write('usage: run_notebook.mjs NOTEBOOK.ipynb REPORT.json\n');
  process.exit(2);
}
const notebook = path.resolve(notebookArg);
const report = path.resolve(reportArg);
const dir = path.dirname(notebook);
process.chdir(dir);

// tslab is CommonJS; resolve it from the notebook's folder, as the kernel's local lookup does.
const require = createRequire(path.join(dir, 'noop.js'));
const { createConverter } = require('tslab/dist/converter');
const { createExecutor } = require('tslab/dist/executor');
const jupyter = require('tslab/dist/jupyter');

/** The converter set the kernel builds (Node mode; browser mode only on demand). */
function converterSet() {
  let node = null;
  let browser = null;
  return {
    get node() {
      node ??= createConverter({ isJS: false, isBrowser: false });
      return node;
    },
    get browser() {
      browser ??= createConverter({ isJS: false, isBrowser: true });
      return browser;
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
}

/** Collects what a cell writes, by replacing process.stdout/stderr.write while it runs. */
function capture() {
  const out = { stdout: '', stderr: '', displays: [] };
  const realOut = process.stdout.write.bind(process.stdout);
  const realErr = process.stderr.write.bind(process.stderr);
  const text = (chunk) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  process.stdout.write = (chunk, ...rest) => {
    out.stdout += text(chunk);
    const cb = rest.find((r) => typeof r === 'function');
    if (cb) cb();
    return true;
  };
  process.stderr.write = (chunk, ...rest) => {
    out.stderr += text(chunk);
    const cb = rest.find((r) => typeof r === 'function');
    if (cb) cb();
    return true;
  };
  // tslab.display.* sends MIME bundles through this hook (the kernel's display_data messages).
  jupyter.lastWriteDisplayData = (data) => out.displays.push(data.data);
  return {
    out,
    restore() {
      process.stdout.write = realOut;
      process.stderr.write = realErr;
    },
  };
}

const nb = JSON.parse(fs.readFileSync(notebook, 'utf8'));
const cells = nb.cells.filter((c) => c.cell_type === 'code');
const convs = converterSet();
const executor = createExecutor(dir, convs, { log: console.log, error: console.error });
const results = [];
let failed = false;
for (const [index, cell] of cells.entries()) {
  const src = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
  const started = Date.now();
  const cap = capture();
  let ok;
  try {
    ok = await executor.execute(src);
  } catch (err) {
    ok = false;
    cap.out.stderr += `${err instanceof Error ? err.stack : String(err)}\n`;
  } finally {
    cap.restore();
  }
  results.push({ index, ok, seconds: (Date.now() - started) / 1000, ...cap.out });
  if (!ok) {
    failed = true;
    break;
  }
}
executor.close();
fs.writeFileSync(report, `${JSON.stringify({ notebook, cells: cells.length, results }, null, 1)}\n`);
// Worker threads or timers a notebook left behind must not keep the process alive.
process.exit(failed ? 1 : 0);
