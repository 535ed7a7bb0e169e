export { REGISTRY_ERRORS } from './errors.js';
export { parsePackageSpec } from './spec.js';
export type { PackageSpec } from './spec.js';
