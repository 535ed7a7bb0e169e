/**
 * Version of the plugin API this SDK speaks. A manifest's `engines.roku` range is matched against it;
 * it changes its major version only when a plugin written for the old API would break.
 */
export const PLUGIN_API_VERSION = '0.1.0';
