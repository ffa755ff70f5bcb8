import { describe, expect, it } from 'vitest';
import { base64, fmt, fromBase64, insertBefore, median, r6, thin } from '../../src/report/format.js';

describe('report formatting', () => {
  it('fmt: 4 significant digits, exponential outside [1e-3, 1e4), ±∞ as chosen', () => {
    expect([0, 0.123456, 12345, 1e-4, NaN].map((v) => fmt(v))).toEqual(['0', '0.1235', '1.235e+4', '1.000e-4', 'n/a']);
    expect([Infinity, -Infinity].map((v) => fmt(v))).toEqual(['Infinity', '-Infinity']);
    expect([Infinity, -Infinity].map((v) => fmt(v, { infinity: 'symbol' }))).toEqual(['+∞', '−∞']);
  });

  it('r6, thin and median', () => {
    expect([1 / 3, NaN, -Infinity].map(r6)).toEqual([0.333333, null, null]);
    expect(thin(3, 5)).toEqual([0, 1, 2]);
    expect(thin(11, 3)).toEqual([0, 5, 10]);
    expect([median([3, NaN, 1, 2]), median([4, 1]), median([NaN])]).toEqual([2, 2.5, NaN]);
  });

  it('base64 round-trips a Float32Array view at any offset', () => {
    const a = new Float32Array([1.5, -2, 3.25, Math.fround(0.1)]).subarray(1);
    expect(Array.from(fromBase64(base64(a)))).toEqual(Array.from(a));
  });

  it('insertBefore puts text before the last marker and names the report when it is missing', () => {
    expect(insertBefore('a</b>c</b>', '</b>', 'X', 'R')).toBe('a</b>cX</b>');
    expect(() => insertBefore('<p>', '</body>', 'X', 'UQ report')).toThrow('UQ report: the page from renderPage has no "</body>" to attach the controls to');
  });
});
