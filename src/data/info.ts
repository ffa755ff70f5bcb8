/**
 * `pdes info`: a summary of a dataset file — shape, status, coordinates, attributes and value
 * statistics computed by streaming over samples (float64 accumulation, one read of a few
 * samples at a time, so any file size works).
 */
import { DataInputError } from './errors.js';
import { ATTR, T_COORDINATE, X_COORDINATE, Y_COORDINATE, formatShape } from './layout.js';
import { H5Dataset, type DatasetStatus } from './reader.js';

export interface CoordinateSummary {
  name: string;
  length: number;
  min: number;
  max: number;
  /** Uniform spacing (relative deviation < 1e-6), or null when non-uniform or fewer than 2 points. */
  spacing: number | null;
}

export interface ValueSummary {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation over every value read. */
  std: number;
  /** Samples the statistics cover. */
  samples: number;
  /** NaN or ±Infinity values (left out of min/max/mean/std). */
  nonFinite: number;
}

export interface DatasetSummary {
  path: string;
  shape: number[];
  axes: string[];
  dtype: 'float32' | 'float64';
  status: DatasetStatus;
  samplesDone: number;
  nSamples: number;
  /** Entries of `t-coordinate` in the file (nt + 1 in PDEBench's published files). */
  tEntriesInFile: number;
  coordinates: CoordinateSummary[];
  /** Root attributes except `recipe`, which is given parsed. */
  attrs: Record<string, number | string>;
  recipe: Record<string, unknown> | null;
  /** Per-sample float64 datasets besides `tensor`, with their full shape [N, ...] (empty if none). */
  extras: { name: string; shape: number[] }[];
  /** null when no sample is finished. */
  values: ValueSummary | null;
}

export interface DescribeOptions {
  /** Compute value statistics over at most this many (finished) samples, the first ones. @default all */
  maxSamples?: number;
  /** Samples per read. @default 8 */
  samplesPerRead?: number;
}

export function describeDataset(path: string, opts: DescribeOptions = {}): DatasetSummary {
  const maxSamples = opts.maxSamples ?? Number.POSITIVE_INFINITY;
  const perRead = opts.samplesPerRead ?? 8;
  if (!(maxSamples === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxSamples) && maxSamples >= 0))) {
    throw new DataInputError(`maxSamples=${maxSamples} is not allowed: use an integer >= 0`);
  }
  if (!Number.isSafeInteger(perRead) || perRead < 1) throw new DataInputError(`samplesPerRead=${perRead} is not allowed: use a positive integer`);
  const ds = H5Dataset.open(path);
  try {
    const coordinates = [summarizeCoordinate(X_COORDINATE, ds.x)];
    if (ds.y !== undefined) coordinates.push(summarizeCoordinate(Y_COORDINATE, ds.y));
    coordinates.push(summarizeCoordinate(T_COORDINATE, ds.t));
    const attrs = { ...ds.attrs };
    delete attrs[ATTR.recipe];
    return {
      path,
      shape: ds.shape.slice(),
      axes: ds.axes,
      dtype: ds.dtype,
      status: ds.status,
      samplesDone: ds.samplesDoneCount,
      nSamples: ds.nSamples,
      tEntriesInFile: ds.tEntriesInFile,
      coordinates,
      attrs,
      recipe: ds.recipe,
      extras: Object.entries(ds.extras).map(([name, shape]) => ({ name, shape: [ds.nSamples, ...shape] })),
      values: summarizeValues(ds, maxSamples, perRead),
    };
  } finally {
    ds.close();
  }
}

/** Human-readable, compact text for `pdes info`. */
export function formatSummary(s: DatasetSummary): string {
  const statusText =
    s.status === 'incomplete'
      ? `incomplete: ${s.samplesDone}/${s.nSamples} samples done (resume to finish)`
      : s.status === 'complete'
        ? `complete (${s.nSamples} samples)`
        : `foreign, not written by pde-surrogate (${s.nSamples} samples)`;
  const lines: [string, string][] = [
    ['file', s.path],
    ['status', statusText],
    ['tensor', `${s.dtype} ${formatShape(s.shape)} (${s.axes.join(', ')})`],
  ];
  for (const c of s.coordinates) {
    const extra = c.name === T_COORDINATE && s.tEntriesInFile !== c.length ? `; ${s.tEntriesInFile} in file, last one unused` : '';
    const spacing = c.spacing === null ? (c.length > 1 ? 'non-uniform' : '') : `spacing ${num(c.spacing)}`;
    lines.push([c.name, `${c.length} points in [${num(c.min)}, ${num(c.max)}]${spacing ? `, ${spacing}` : ''}${extra}`]);
  }
  const attrText = Object.entries(s.attrs)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? num(v) : v}`)
    .join('  ');
  if (s.extras.length > 0) lines.push(['extras', s.extras.map((e) => `${e.name} float64 ${formatShape(e.shape)}`).join('  ')]);
  lines.push(['attrs', attrText || '(none)']);
  if (s.values === null) {
    lines.push(['values', '(no finished samples)']);
  } else {
    const v = s.values;
    const nf = v.nonFinite > 0 ? `, ${v.nonFinite} non-finite` : '';
    lines.push(['values', `min ${num(v.min)}  max ${num(v.max)}  mean ${num(v.mean)}  std ${num(v.std)}  (${v.samples} samples${nf})`]);
  }
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  const out = lines.map(([k, v]) => k.padEnd(width) + v);
  if (s.recipe !== null) {
    const pad = ' '.repeat(width);
    const json = JSON.stringify(s.recipe, null, 2).split('\n');
    out.push('recipe'.padEnd(width) + json[0], ...json.slice(1).map((l) => pad + l));
  }
  return out.join('\n');
}

function summarizeCoordinate(name: string, values: Float64Array): CoordinateSummary {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let spacing: number | null = null;
  if (values.length >= 2) {
    const h = (values[values.length - 1] - values[0]) / (values.length - 1);
    let uniform = h !== 0;
    for (let i = 1; i < values.length && uniform; i++) {
      if (Math.abs(values[i] - values[i - 1] - h) > 1e-6 * Math.abs(h)) uniform = false;
    }
    spacing = uniform ? h : null;
  }
  return { name, length: values.length, min, max, spacing };
}

function summarizeValues(ds: H5Dataset, maxSamples: number, perRead: number): ValueSummary | null {
  const done = ds.samplesDone();
  const chosen: number[] = [];
  for (let i = 0; i < ds.nSamples && chosen.length < maxSamples; i++) if (done[i] === 1) chosen.push(i);
  if (chosen.length === 0) return null;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let nonFinite = 0;
  let k = 0;
  while (k < chosen.length) {
    let m = k + 1;
    while (m < chosen.length && m - k < perRead && chosen[m] === chosen[m - 1] + 1) m++;
    const block = ds.readSamples(chosen[k], chosen[m - 1] + 1);
    // Chan et al.: merge this block's mean and M2 into the running ones.
    let nb = 0;
    let sum = 0;
    for (const v of block) {
      if (!Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      nb++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (nb > 0) {
      const mb = sum / nb;
      let m2b = 0;
      for (const v of block) if (Number.isFinite(v)) m2b += (v - mb) * (v - mb);
      const total = n + nb;
      const delta = mb - mean;
      mean += (delta * nb) / total;
      m2 += m2b + (delta * delta * n * nb) / total;
      n = total;
    }
    k = m;
  }
  if (n === 0) return { min: NaN, max: NaN, mean: NaN, std: NaN, samples: chosen.length, nonFinite };
  return { min, max, mean, std: Math.sqrt(m2 / n), samples: chosen.length, nonFinite };
}

/** Compact number: up to 6 significant digits. */
function num(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return String(Number(v.toPrecision(6)));
}
