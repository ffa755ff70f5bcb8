/** The engine: tfjs backend selection and the differentiable primitives every model uses. */
export { EngineError } from './errors.js';
export { initBackend, describeBackend, activeBackend, type BackendName, type BackendInfo } from './backend.js';
export { gelu, geluLinear, linearChannelsFirst, linearChannelsLast, sumColumns, sumRows, transposeLarge } from './primitives.js';
export { rdft, irdft, dftBasis } from './dft.js';
export { complexModeMix } from './spectral.js';
export { fourierLayer1d, type FourierLayerOptions } from './fourier_layer.js';
export { setWasmKernelsEnabled, wasmKernelsActive, wasmKernelsStatus } from './wasm_kernels.js';
export { clearEngineCaches, engineCacheSize } from './cache.js';
export { copyTensorsInto, getWeightData, setWeightData, type HasWeights } from './weights.js';
export { checkGradients, type GradCheckResult } from './grad_check.js';
export { cdft, icdft, cdftBasis, keptFrequencies } from './cdft.js';
export { rdftNd, irdftNd, spectrumShape } from './dft_nd.js';
export { complexModeMixBlocks } from './spectral_nd.js';
export { modesToFront, modesToBack } from './wasm_transpose.js';
export { view } from './view.js';
export { repeatColumns, padColumns, cropColumns } from './columns.js';
