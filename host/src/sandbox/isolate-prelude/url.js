// URL and URLSearchParams (core-js), evaluated on first use instead of in every realm. They are the largest part
// of what preparing a realm costs (about half its CPU and heap), and most calls never touch them: a provider
// serving hundreds of sessions at once holds hundreds of realms in its one heap. The globals are accessors
// until the first read, which evaluates core-js (esbuild keeps a CommonJS module unevaluated until `require`d)
// and replaces them with the classes. The prelude's own uses (fetch inputs, URLSearchParams bodies) go through
// `urlClasses()`, which loads them the same way.

const G = /** @type {IsolateGlobal & Record<string, unknown>} */ (globalThis);
const ReflectApply = Reflect.apply;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ReflectDeleteProperty = Reflect.deleteProperty;
const NAMES = /** @type {const} */ (['URL', 'URLSearchParams']);

/**
 * What core-js's URL parser gets for its `Array.from` (build-prelude.mjs points its internal one here): V8's own,
 * captured when the prelude is evaluated, before any plugin code. core-js's defines each element with
 * Object.defineProperty, and the parser turns every URL it reads into an array of code points with it: 20 µs a
 * parse of a short URL, mostly in there, where the native one makes that array at once.
 */
export const nativeArrayFrom = Array.from;

/**
 * @typedef {{ URL: typeof URL, URLSearchParams: typeof URLSearchParams, href: (url: unknown) => string,
 *   searchParamsText: (params: unknown) => string }} UrlClasses
 */
/** @type {UrlClasses | undefined} */
let classes;
/** The accessors installed on the global object, to tell them from what a plugin put there instead. */
/** @type {Map<string, (() => unknown) | undefined>} */
const accessors = new Map();

/** The classes, evaluated now if they were not yet; the globals get them unless the plugin replaced them. */
export function urlClasses() {
  if (classes !== undefined) return classes;
  // core-js installs the classes on the global object when it finds none there: make room for a moment
  const saved = NAMES.map((name) => getOwnPropertyDescriptor(G, name));
  for (const name of NAMES) ReflectDeleteProperty(G, name);
  // esbuild resolves these at build time; the modules are evaluated here, on first use, not with the prelude
  // eslint-disable-next-line @typescript-eslint/no-require-imports, no-undef
  require('core-js/actual/url');
  // eslint-disable-next-line @typescript-eslint/no-require-imports, no-undef
  require('core-js/actual/url-search-params');
  const url = /** @type {typeof URL} */ (getOwnPropertyDescriptor(G, 'URL')?.value);
  const params = /** @type {typeof URLSearchParams} */ (
    getOwnPropertyDescriptor(G, 'URLSearchParams')?.value
  );
  if (typeof url !== 'function' || typeof params !== 'function')
    throw new TypeError('URL is not available in this realm');
  const hrefGet = getOwnPropertyDescriptor(url.prototype, 'href')?.get;
  const paramsToString = params.prototype.toString;
  classes = {
    URL: url,
    URLSearchParams: params,
    href: (value) => ReflectApply(/** @type {() => string} */ (hrefGet), value, []),
    searchParamsText: (value) => ReflectApply(paramsToString, value, []),
  };
  NAMES.forEach((name, i) => {
    const before = saved[i];
    // the plugin defined or deleted the global itself: leave it as the plugin left it
    if (before === undefined || before.get === undefined || before.get !== accessors.get(name)) {
      ReflectDeleteProperty(G, name);
      if (before !== undefined) defineProperty(G, name, before);
      return;
    }
    defineProperty(G, name, {
      value: classes?.[name],
      writable: true,
      configurable: true,
      enumerable: false,
    });
  });
  return classes;
}

/** The classes if something loaded them already (an object can only be a URL once they exist). */
export const loadedUrlClasses = () => classes;

/** Defines URL and URLSearchParams on the global object as accessors that load them on first read. */
export function defineLazyUrl() {
  for (const name of NAMES) {
    const get = () => urlClasses()[name];
    accessors.set(name, get);
    defineProperty(G, name, {
      get,
      set(value) {
        defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });
      },
      configurable: true,
      enumerable: false,
    });
  }
}
