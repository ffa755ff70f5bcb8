/** The model kinds this package ships, registered by the registry on its first lookup (registerBuiltinModels). */
import { FNO_ENTRY } from './fno.js';
import { FNO2D_ENTRY } from './fno2d.js';
import { FNO3D_ENTRY } from './fno3d.js';
import type { ModelEntry } from './registry.js';

export const BUILTIN_MODELS: readonly ModelEntry[] = [FNO_ENTRY, FNO2D_ENTRY, FNO3D_ENTRY] as unknown as ModelEntry[];
