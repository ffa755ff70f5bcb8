/**
 * Headless Chromium (Debian's, through playwright-core) for the report tests: open a page as a
 * file:// URL, wait until plotly has drawn every figure, collect console and page errors, save a
 * screenshot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PDES_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Throws (never skips) when Chromium is missing: CI installs it, so its absence is a broken
 * environment, not a reason to pass.
 */
export function requireChromium(): string {
  let ok = false;
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    ok = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
  }
  if (!ok) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set PDES_CHROMIUM to its path`);
  return CHROMIUM;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh, temporary user-data-dir (removed by close()). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = requireChromium();
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
    await page.waitForFunction(`document.body.dataset.rendered === ${JSON.stringify(String(expectedFigures))}`, undefined, { timeout: 60_000 }).catch((err: Error) => {
      throw new Error(`page ${htmlFile} did not render ${expectedFigures} figures (page errors: ${pageErrors.join('; ') || 'none'}): ${err.message.split('\n')[0]}`);
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
