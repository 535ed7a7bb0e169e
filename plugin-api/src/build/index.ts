export { bundlePlugin, MAX_BUNDLE_BYTES } from './bundle.js';
export type { BundleOptions, BundleResult } from './bundle.js';
export { buildPlugin } from './build-plugin.js';
