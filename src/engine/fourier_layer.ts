/**
 * One Fourier layer of an FNO-1D on channels-first activations, as one differentiable op
 * (Li et al. 2020, eq. 2, with the activation of the previous layer folded in front):
 *
 *   h = σ(x)  (σ = GELU with `geluInput`, else the identity)
 *   z = W·h + b + F⁻¹(G·(R · F h))
 *
 * x [cin, batch·s]; R [cs, cmid, 2, M] (complexModeMix's layout); W [cout, cin], b [cout]; G
 * [cout, cmid] an optional channel map applied to the mixed modes (a following linear layer
 * folded in, fno.ts), else cout = cmid; `spectrum` [cs, batch, 2M] replaces F h when given (a
 * spectrum known in closed form, fno.ts's folded lift). Returns z [cout, batch·s].
 *
 * Why one op: written as primitives (gelu, rdft, complexModeMix, linearChannelsFirst, irdft), the
 * gradient of h is summed by tfjs from its two consumers (one pass over [cin, n]) and then
 * multiplied by GELU' (another), each through memory; here the spectral branch's gradient is
 * computed by the fused synthesis kernel with W ᵀ·dz as its residual and GELU' as its multiplier,
 * one pass. The same float32 operations in the same order as the primitives (additions commute
 * exactly), so the same bits; and a dozen fewer tfjs calls per layer. Where the engine kernels do
 * not apply (other backends, kernels off, shapes they do not take) it is that composition of
 * primitives.
 */
import * as tf from '@tensorflow/tfjs';
import { dftBasis, irdft, rdft } from './dft.js';
import { EngineError } from './errors.js';
import { gelu, linearChannelsFirst } from './primitives.js';
import { complexModeMix, mixKernelForward, mixKernelGradients, mixKernelUsable } from './spectral.js';
import { foldedAnalysisKernel, foldedKernelsUsable, foldedSynthesisKernel } from './wasm_dft.js';
import { GELU_UNROLL, GEMM_MAX_K, gemmReduceKernel, gemmSmallLeftKernel, geluKernel, geluTrainKernel, rowSumKernel } from './wasm_kernels.js';

export interface FourierLayerOptions {
  batch: number;
  /** Points per sample. */
  s: number;
  /** Apply GELU to x first. @default false */
  geluInput?: boolean;
  /** F h given [cs, batch, 2M] (then geluInput must be false). */
  spectrum?: tf.Tensor3D;
  /** G [cout, cmid], applied to the mixed modes. */
  modeMap?: tf.Tensor2D;
}

/** The layer as primitives (the reference, and the path off the engine kernels). */
function composed(x: tf.Tensor2D, r: tf.Tensor4D, w: tf.Tensor2D, b: tf.Tensor1D, o: FourierLayerOptions): tf.Tensor2D {
  const { batch, s } = o;
  const [cs, cmid, , m] = r.shape;
  const cout = w.shape[0];
  return tf.tidy(() => {
    const h = o.geluInput ? gelu(x) : x;
    const f = o.spectrum ?? (tf.reshape(rdft(tf.reshape(h, [h.shape[0] * batch, s]) as tf.Tensor2D, m), [cs, batch, 2 * m]) as tf.Tensor3D);
    let g: tf.Tensor = complexModeMix(f, r);
    if (o.modeMap) g = linearChannelsFirst(tf.reshape(g, [cmid, batch * 2 * m]) as tf.Tensor2D, o.modeMap);
    const pw = linearChannelsFirst(h, w, b);
    return tf.reshape(irdft(tf.reshape(g, [cout * batch, 2 * m]) as tf.Tensor2D, s, tf.reshape(pw, [cout * batch, s]) as tf.Tensor2D), [
      cout,
      batch * s,
    ]) as tf.Tensor2D;
  });
}

/** z = W·σ(x) + b + F⁻¹(G·(R · F σ(x))) (module comment). */
export function fourierLayer1d(x: tf.Tensor2D, r: tf.Tensor4D, w: tf.Tensor2D, b: tf.Tensor1D, o: FourierLayerOptions): tf.Tensor2D {
  const { batch, s } = o;
  const [cin, n] = x.shape;
  const [cs, cmid, two, m] = r.shape;
  const cout = w.shape[0];
  const map = o.modeMap;
  if (
    n !== batch * s ||
    w.shape[1] !== cin ||
    b.shape[0] !== cout ||
    two !== 2 ||
    (map ? map.shape[0] !== cout || map.shape[1] !== cmid : cmid !== cout) ||
    (o.spectrum ? o.geluInput || o.spectrum.shape.join() !== [cs, batch, 2 * m].join() : cs !== cin)
  ) {
    throw new EngineError(
      `fourierLayer1d: shapes x [${x.shape.join(', ')}], r [${r.shape.join(', ')}], w [${w.shape.join(', ')}], b [${b.shape.join(', ')}]` +
        `${map ? `, modeMap [${map.shape.join(', ')}]` : ''}${o.spectrum ? `, spectrum [${o.spectrum.shape.join(', ')}]` : ''} are not allowed with batch ${batch}, s ${s}` +
        ': use x [cin, batch·s], r [cs, cmid, 2, M], w [cout, cin], b [cout], modeMap [cout, cmid] (or cout = cmid), spectrum [cs, batch, 2M] (not with geluInput; else cs = cin)',
    );
  }
  const fits = (c: number) => c <= GEMM_MAX_K;
  const fused = foldedKernelsUsable(s, m) && mixKernelUsable(m) && n % 4 === 0 && n >= 16 && [cin, cs, cmid, cout].every(fits) && x.size >= 4 * GELU_UNROLL;
  if (!fused) return composed(x, r, w, b, o);

  const basis = (kind: 'forward' | 'forwardT' | 'inverse' | 'inverseT', parity: 'even' | 'odd') => dftBasis(s, m, kind, parity);
  const training = tf.engine().isTapeOn();
  const inputs: tf.Tensor[] = [x, r, w, b, ...(o.spectrum ? [o.spectrum] : []), ...(map ? [map] : [])];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, ri, wi, bi, ...rest] = args.slice(0, -1) as tf.Tensor[];
    const spectrumIn = o.spectrum ? rest[0] : null;
    const mapIn = map ? rest[o.spectrum ? 1 : 0] : null;
    let h = xi as tf.Tensor2D;
    let d: tf.Tensor | null = null;
    if (o.geluInput) {
      if (training) [h, d] = geluTrainKernel(xi) as [tf.Tensor2D, tf.Tensor];
      else h = geluKernel(xi) as tf.Tensor2D;
    }
    const f =
      spectrumIn ??
      tf.reshape(foldedAnalysisKernel(tf.reshape(h, [cin * batch, s]) as tf.Tensor2D, basis('forward', 'even'), basis('forward', 'odd')), [cs, batch, 2 * m]);
    const g = mixKernelForward(f, ri, cs, batch, m, cmid);
    const g1 = mapIn ? gemmSmallLeftKernel(mapIn, tf.reshape(g, [cmid, batch * 2 * m]) as tf.Tensor2D, { m: cout, k: cmid, aRow: cmid, aCol: 1 }) : g;
    const pw = gemmSmallLeftKernel(wi, h, { m: cout, k: cin, aRow: cin, aCol: 1 }, bi);
    const z = foldedSynthesisKernel(
      tf.reshape(g1, [cout * batch, 2 * m]) as tf.Tensor2D,
      basis('inverse', 'even'),
      basis('inverse', 'odd'),
      tf.reshape(pw, [cout * batch, s]) as tf.Tensor2D,
    );
    save([h, f, ri, wi, ...(d ? [d] : []), ...(mapIn ? [mapIn, g] : [])]);
    return {
      value: tf.reshape(z, [cout, n]) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sh, sf, sr, sw] = saved;
        const sd = d ? saved[4] : null;
        const [smap, sg] = mapIn ? saved.slice(d ? 5 : 4) : [null, null];
        const dz = dy as tf.Tensor2D;
        // Spectral branch: dG·g, dg, then dR and dF.
        const dg1 = tf.reshape(foldedAnalysisKernel(tf.reshape(dz, [cout * batch, s]) as tf.Tensor2D, basis('inverseT', 'even'), basis('inverseT', 'odd')), [
          cout,
          batch * 2 * m,
        ]) as tf.Tensor2D;
        const dmap = smap && sg ? gemmReduceKernel(dg1, tf.reshape(sg, [cmid, batch * 2 * m]) as tf.Tensor2D) : null;
        const dg = smap ? gemmSmallLeftKernel(smap, dg1, { m: cmid, k: cout, aRow: 1, aCol: cmid }) : dg1;
        const [df, dr] = mixKernelGradients(sf, sr, tf.reshape(dg, [cmid, batch, 2 * m]), cs, batch, m, cmid);
        // Pointwise branch; then dh = F ᵀ·df + W ᵀ·dz (times GELU') in one pass.
        const dw = gemmReduceKernel(dz, sh as tf.Tensor2D);
        const db = rowSumKernel(dz);
        const dhPointwise = gemmSmallLeftKernel(sw, dz, { m: cin, k: cout, aRow: 1, aCol: cin });
        // With a given spectrum (never after a GELU) the input's only consumer is the pointwise branch.
        const dx = spectrumIn
          ? dhPointwise
          : tf.reshape(
              foldedSynthesisKernel(
                tf.reshape(df, [cin * batch, 2 * m]) as tf.Tensor2D,
                basis('forwardT', 'even'),
                basis('forwardT', 'odd'),
                tf.reshape(dhPointwise, [cin * batch, s]) as tf.Tensor2D,
                sd ? (tf.reshape(sd, [cin * batch, s]) as tf.Tensor2D) : undefined,
              ),
              [cin, n],
            );
        return [dx, dr, dw, db, ...(spectrumIn ? [df] : []), ...(dmap ? [dmap] : [])];
      },
    };
  });
  return op(...inputs) as tf.Tensor2D;
}
