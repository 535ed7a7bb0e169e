// The prelude's root: web platform globals for plugin code plus the one-shot __roku_boot. See README.md.
import { TextEncoder, TextDecoder } from '@exodus/bytes/encoding-lite.js';
import * as WebStreams from 'web-streams-polyfill';
import structuredCloneImpl from '@ungap/structured-clone';
import { EventTarget, Event } from 'event-target-shim';
import { capJson, installBridge, sendJson } from './bridge.js';
import { atob, btoa } from './base64.js';
import { DOMException } from './dom-exception.js';
import { AbortController, AbortSignal } from './abort.js';
import { setTimeout, setInterval, clearTimeout } from './timers.js';
import { crypto } from './crypto.js';
import { console } from './console.js';
import { Headers } from './headers.js';
import { Blob, File, FormData, Request, Response } from './body.js';
import { fetch } from './fetch.js';
import { entry } from './entry.js';
import { fieldBrand, guardPrototype } from './brand.js';
import { defineLazyUrl, urlClasses } from './url.js';

const G = /** @type {IsolateGlobal} */ (globalThis);
const def = (name, value) =>
  Object.defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });

const STREAM_CLASSES = [
  'ReadableStream',
  'WritableStream',
  'TransformStream',
  'ByteLengthQueuingStrategy',
  'CountQueuingStrategy',
  'ReadableStreamDefaultReader',
  'ReadableStreamBYOBReader',
  'ReadableStreamBYOBRequest',
  'ReadableByteStreamController',
  'ReadableStreamDefaultController',
  'WritableStreamDefaultWriter',
  'WritableStreamDefaultController',
  'TransformStreamDefaultController',
];
for (const k of STREAM_CLASSES) if (WebStreams[k]) def(k, WebStreams[k]);

// The stream classes whose members return promises: a wrong receiver must throw, not reject unobserved.
const STREAM_BRANDS = [
  ['ReadableStream', '_readableStreamController'],
  ['ReadableStreamDefaultReader', '_readRequests'],
  ['ReadableStreamBYOBReader', '_readIntoRequests'],
  ['WritableStream', '_writableStreamController'],
  ['WritableStreamDefaultWriter', '_ownerWritableStream'],
];
for (const [name, field] of STREAM_BRANDS) {
  const proto = WebStreams[name].prototype;
  guardPrototype(proto, name, fieldBrand(field, proto));
}
const asyncIteratorProto = Object.getPrototypeOf(new WebStreams.ReadableStream().values());
guardPrototype(
  asyncIteratorProto,
  'ReadableStreamAsyncIterator',
  fieldBrand('_asyncIteratorImpl', asyncIteratorProto),
);
def('TextEncoder', TextEncoder);
def('TextDecoder', TextDecoder);
def('structuredClone', (value, options) => structuredCloneImpl(value, options));
def('EventTarget', EventTarget);
def('Event', Event);
def('DOMException', DOMException);
def('AbortController', AbortController);
def('AbortSignal', AbortSignal);
def('setTimeout', setTimeout);
def('setInterval', setInterval);
def('clearTimeout', clearTimeout);
def('clearInterval', clearTimeout);
def('queueMicrotask', (fn) => {
  if (typeof fn !== 'function') throw new TypeError('The callback must be a function');
  Promise.resolve()
    .then(fn)
    .catch((e) => console.error('uncaught error in a microtask:', e));
});
def('atob', atob);
def('btoa', btoa);
def('crypto', crypto);
def('console', console);
def('Blob', Blob);
def('File', File);
def('FormData', FormData);
def('Headers', Headers);
def('Request', Request);
def('Response', Response);
def('fetch', fetch);
def('self', G);
defineLazyUrl();

/**
 * Called once by the runner, before the plugin bundle: wires the bridge, defines the frozen __roku_host,
 * removes the globals plugins must not have, and hands back the trusted entry.
 */
/** FinalizationRegistry without cleanups: registrations are checked like V8's and then forgotten. */
class InertFinalizationRegistry {
  constructor(cleanup) {
    if (typeof cleanup !== 'function') throw new TypeError('FinalizationRegistry: cleanup must be callable');
  }
  register(target, _held, token) {
    if (target === null || (typeof target !== 'object' && typeof target !== 'function'))
      throw new TypeError('FinalizationRegistry.prototype.register: invalid target');
    if (token !== undefined && (token === null || (typeof token !== 'object' && typeof token !== 'function')))
      throw new TypeError('FinalizationRegistry.prototype.register: invalid unregister token');
  }
  unregister(token) {
    if (token === null || (typeof token !== 'object' && typeof token !== 'function'))
      throw new TypeError('FinalizationRegistry.prototype.unregister: invalid unregister token');
    return false;
  }
  get [Symbol.toStringTag]() {
    return 'FinalizationRegistry';
  }
}

def('__roku_boot', (capRef, syncRef, maxCapBytes, webAssembly, urlAtBoot) => {
  delete G.__roku_boot;
  // V8's gc(), exposed by the runner's flag for its own use (RUNNER_GC_GLOBAL in ../protocol.ts). V8 makes the
  // property impossible to delete, so it is emptied and made read-only before any plugin code runs.
  if (Object.hasOwn(G, '__roku_gc'))
    Object.defineProperty(G, '__roku_gc', { value: undefined, writable: false });
  installBridge(capRef, syncRef, maxCapBytes);
  // at boot, not when the prelude is evaluated: that happened once, in the runner's startup snapshot
  const timeOrigin = Date.now();
  def('performance', Object.freeze({ now: () => Date.now() - timeOrigin, timeOrigin }));
  Object.defineProperty(G, '__roku_host', {
    value: Object.freeze({
      cap: (requestJson, callId) => capJson(requestJson, callId),
      send: (requestJson, callId) => sendJson(requestJson, callId),
    }),
    writable: false,
    configurable: false,
    enumerable: false,
  });
  // No V8 flag hides these; shared memory would also give plugins a high-resolution timer.
  delete G.SharedArrayBuffer;
  delete G.Atomics;
  // V8 runs cleanup callbacks from a task of its own, outside every entry call the runner starts and times:
  // plugin code there could spin while the runner waits for the isolate. The language never promises that a
  // cleanup runs, so the registry is kept, inert.
  def('FinalizationRegistry', InertFinalizationRegistry);
  // a plugin that fetches needs URL in every call: evaluated here, while the realm is prepared off the call's path
  if (urlAtBoot === true) urlClasses();
  if (!webAssembly) delete G.WebAssembly;
  return entry;
});
