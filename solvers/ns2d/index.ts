/**
 * 2D incompressible Navier–Stokes reference solver (vorticity–streamfunction, pseudo-spectral,
 * float64): the public API. See navier_stokes.ts for the equation, config.ts for the schemes and
 * forcings, solve.ts for the driver and its stability bound, diagnostics.ts for budgets.
 */
export {
  NS_FORCINGS,
  NS_SCHEMES,
  NS_TABLEAUS,
  createImexRkCnTableau,
  forcingField,
  resolveNs2dConfig,
  type ImexRkCnTableau,
  type Ns2dConfig,
  type Ns2dParams,
  type NsForcingPreset,
  type NsScheme,
  type ResolvedNs2dConfig,
} from './config.js';
export { energySpectrum } from '../../core/spectrum.js';
export { nsDiagnostics, spectralResample, velocityFromVorticity, type NsDiagnostics } from './diagnostics.js';
// NavierStokes2D: the 2D casing before issue 11, kept for code outside the repo.
export { createNs2dStepper, NavierStokes2d, NavierStokes2d as NavierStokes2D, type Ns2dStepper } from './navier_stokes.js';
export { advectiveDtBound, checkFixedDt, dtBoundForVelocity, solveNs2d } from './solve.js';
