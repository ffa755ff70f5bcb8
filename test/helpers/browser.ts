/**
 * Headless Chromium through playwright-core for the report tests: open a page as a file:// URL,
 * wait until plotly has drawn every figure, collect console and page errors, save a screenshot.
 *
 * The browser comes from the npm registry, so `npm test` needs nothing but `npm install`:
 * @sparticuz/chromium ships a Brotli-compressed headless Chromium inside its package, unpacked
 * once per version into node_modules/.cache/pdes-chromium/ (atomically: a staging folder renamed
 * into place, so an interrupted unpack is never taken for a browser). `PDES_CHROMIUM`, or Debian's
 * /usr/bin/chromium when installed, overrides it.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Chromium executable, resolved once by test/global_setup.ts. */
    chromium: string;
  }
}

/**
 * The Chromium the tests use: PDES_CHROMIUM, else /usr/bin/chromium if installed, else the one
 * packaged in @sparticuz/chromium (unpacked on first use). Throws (never skips) when none works.
 */
export async function resolveChromium(): Promise<string> {
  const chosen = process.env.PDES_CHROMIUM;
  if (chosen !== undefined && chosen !== '') {
    if (!isExecutable(chosen)) throw new Error(`PDES_CHROMIUM=${chosen} is not an executable file: point it at a Chromium binary or unset it`);
    return chosen;
  }
  if (isExecutable(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  return unpackPackagedChromium();
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return false;
    throw err;
  }
}

/** The package.json of an installed package that exports none: found by walking up from its entry point. */
function packageJsonOf(name: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === name) return file;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json of ${name} above its entry point`);
    dir = up;
  }
}

async function unpackPackagedChromium(): Promise<string> {
  const pkgFile = packageJsonOf('@sparticuz/chromium');
  const version = (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { version: string }).version;
  const root = path.resolve(path.dirname(pkgFile), '..', '..', '.cache', 'pdes-chromium');
  const final = path.join(root, version);
  if (isExecutable(path.join(final, 'chromium'))) return path.join(final, 'chromium');
  const staging = `${final}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  // The package unpacks into os.tmpdir(); point that at the staging folder while it runs.
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    const { default: Chromium } = await import('@sparticuz/chromium');
    const exe = await Chromium.executablePath();
    if (path.dirname(exe) !== staging) throw new Error(`@sparticuz/chromium unpacked to ${exe}, outside ${staging}`);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  try {
    fs.renameSync(staging, final);
  } catch (err) {
    // Another process got there first: keep its copy.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!isExecutable(path.join(final, 'chromium'))) throw err;
  }
  return path.join(final, 'chromium');
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium (the one test/global_setup.ts resolved) with a fresh, temporary user-data-dir (removed by close()). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = inject('chromium');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    args: ARGS,
    headless: true,
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface RenderedPage {
  /** `document.body.dataset.rendered` once rendering finished. */
  rendered: number;
  /** Every `.plot` div: its id and whether plotly drew an SVG into it. */
  plots: { id: string; hasSvg: boolean; width: number; height: number }[];
  consoleErrors: string[];
  pageErrors: string[];
  /** Page title and h2 texts, in order. */
  headings: string[];
}

/**
 * Opens `htmlFile`, waits until `document.body.dataset.rendered` equals `expectedFigures`
 * (plotly's promises resolved), saves a full-page screenshot to `screenshot` when given, then
 * runs `interact` (clicks, checks) on the open page; errors it causes are reported too.
 */
export async function renderPageInBrowser(
  browser: Browser,
  htmlFile: string,
  expectedFigures: number,
  opts: { screenshot?: string; interact?: (page: Page) => Promise<void> } = {},
): Promise<RenderedPage> {
  const { screenshot, interact } = opts;
  const page = await browser.context.newPage();
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  try {
    await page.goto(pathToFileURL(path.resolve(htmlFile)).href, { waitUntil: 'load', timeout: 60_000 });
    // Page code is passed as strings: the project compiles without the DOM library.
    await page
      .waitForFunction(`document.body.dataset.rendered === ${JSON.stringify(String(expectedFigures))}`, undefined, { timeout: 60_000 })
      .catch((err: Error) => {
        throw new Error(
          `page ${htmlFile} did not render ${expectedFigures} figures (page errors: ${pageErrors.join('; ') || 'none'}): ${err.message.split('\n')[0]}`,
        );
      });
    const result = (await page.evaluate(`({
      rendered: Number(document.body.dataset.rendered),
      plots: Array.from(document.querySelectorAll('.plot')).map((el) => {
        const box = el.getBoundingClientRect();
        return { id: el.id, hasSvg: el.querySelector('.main-svg') !== null, width: box.width, height: box.height };
      }),
      headings: Array.from(document.querySelectorAll('h1, h2')).map((h) => h.textContent ?? ''),
    })`)) as Pick<RenderedPage, 'rendered' | 'plots' | 'headings'>;
    if (screenshot) {
      fs.mkdirSync(path.dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
    }
    if (interact) await interact(page);
    return { ...result, consoleErrors, pageErrors };
  } finally {
    await page.close();
  }
}
