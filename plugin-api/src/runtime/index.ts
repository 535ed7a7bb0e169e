export { serve } from './serve.js';
export { CapabilityError, requestCapability } from './host-bridge.js';
