/**
 * PDEBench's published layout loads: small files written by h5py (test/fixtures/pdebench, made by
 * make_fixtures.py there, with every value written kept in values.json) are read by our reader as
 * foreign files. The interop suite reruns the script to check these files are current.
 */
import { beforeAll, describe, it } from 'vitest';
import { h5ready } from '../../src/data/index.js';
import { PDEBENCH_DIR, PDEBENCH_LAYOUTS, expectReadsAsWritten, pdebenchFile, readPdebenchValues } from './pdebench_fixtures.js';

beforeAll(async () => {
  await h5ready();
});

describe("PDEBench's published layout, written by h5py (committed fixtures)", () => {
  const py = readPdebenchValues(PDEBENCH_DIR);
  it.each(PDEBENCH_LAYOUTS)('loads as a foreign file with t trimmed to the frames (%s tensor)', (layout) => {
    expectReadsAsWritten(pdebenchFile(PDEBENCH_DIR, layout), py);
  });
});
