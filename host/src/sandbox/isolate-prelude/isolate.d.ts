// What the isolate prelude runs with beyond ES2024, declared for its type check (tsconfig.json here). Nothing
// here exists at run time in Node: these are the isolate's globals and the runner's injected functions.

/**
 * An isolated-vm Reference to a runner function. The runner hands two of them to `__roku_boot` (the capability
 * request function and the synchronous services); only strings and numbers go through them.
 */
interface IvmReference {
  apply(
    receiver: undefined,
    args: readonly (string | number)[],
    options: { result: { promise: true } },
  ): Promise<unknown>;
  applySync(receiver: undefined, args: readonly (string | number)[]): string;
  applyIgnored(receiver: undefined, args: readonly (string | number)[]): void;
}

/** The isolate's global object as the prelude sees it: `__roku_boot` removes some of it. */
type IsolateGlobal = Omit<typeof globalThis, 'SharedArrayBuffer' | 'Atomics'> & {
  SharedArrayBuffer?: unknown;
  Atomics?: unknown;
  WebAssembly?: unknown;
  __roku_boot?: unknown;
};

/**
 * Resolved by esbuild at build time (never at run time): a CommonJS module the prelude `require`s inside a
 * function is evaluated only when that function first runs (see url.js).
 */
declare function require(id: string): unknown;

/** Set by the plugin bundle: its `describe` and `call` (see schemas/src/abi.ts). */
// eslint-disable-next-line no-var -- only a var becomes a property of globalThis
declare var __roku_abi: unknown;

// event-target-shim ships types only for `require`; this is the part the prelude uses.
declare module 'event-target-shim' {
  export class Event {
    constructor(type: string, init?: { bubbles?: boolean; cancelable?: boolean; composed?: boolean });
    readonly type: string;
  }
  export class EventTarget {
    addEventListener(type: string, listener: unknown, options?: unknown): void;
    removeEventListener(type: string, listener: unknown, options?: unknown): void;
    dispatchEvent(event: Event): boolean;
  }
}
