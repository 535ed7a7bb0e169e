// Loads the package's error catalog into whichever program compiles this entry, so the codes it throws check.
import type {} from '../errors.js';

export { bundlePlugin, MAX_BUNDLE_BYTES } from './bundle.js';
export type { BundleOptions, BundleResult } from './bundle.js';
export { buildPlugin } from './build-plugin.js';
