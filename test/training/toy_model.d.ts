import type { ModelEntry } from '../../src/models/registry.js';

export declare const toyConvEntry: ModelEntry;
export declare const modelEntries: ModelEntry[];
