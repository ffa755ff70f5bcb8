/**
 * Runs once before the suite, in vitest's main process: resolves (and on first use unpacks) the
 * Chromium the browser tests share, so that parallel test files never unpack it twice.
 */
import type { TestProject } from 'vitest/node';
import { resolveChromium } from './helpers/browser.js';

export default async function setup(project: TestProject): Promise<void> {
  project.provide('chromium', await resolveChromium());
}
