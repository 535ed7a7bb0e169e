// Run by the build beside the prelude, in a throwaway context, before the startup snapshot is written
// (prelude-snapshot.mjs): V8 compiles functions on first call, and the snapshot keeps the bytecode compiled
// here. Without it, every new plugin isolate compiles core-js's URL (and the rest of what a provider's first
// call touches) again: about 4 ms of a network plugin's cold load. Nothing here reaches the snapshot's own
// context; each step stands alone so that a polyfill change cannot fail the build from here.
(() => {
  const steps = [
    () => {
      const url = new URL('https://api.example.com:8443/v1/chat/completions?stream=true&x=%20y#part');
      url.searchParams.set('api-version', '2024-10-21');
      url.searchParams.append('q', 'a b');
      url.pathname = '/v1/responses';
      return [url.href, url.origin, url.host, url.search, url.toString(), JSON.stringify(url)];
    },
    () => new URL('../models?limit=5', 'http://127.0.0.1:8080/v1/base/').href,
    () => URL.canParse?.('not a url'),
    () => {
      const params = new URLSearchParams({ model: 'm', input: 'ä ö' });
      params.append('n', '1');
      params.sort();
      return [params.toString(), [...params.entries()], params.get('n'), params.has('x')];
    },
    () => {
      const headers = new Headers({ 'content-type': 'application/json', 'x-a': '1' });
      headers.set('authorization', 'Bearer k');
      headers.append('accept', 'text/event-stream');
      headers.delete('x-a');
      return [...headers.entries(), headers.get('content-type'), headers.has('accept')];
    },
    () => new TextDecoder().decode(new TextEncoder().encode('data: {"a":"é"}\n\n')),
    () => new TextDecoder('utf-8', { fatal: false }).decode(new Uint8Array([100, 97]), { stream: true }),
    () => atob(btoa('warm')),
    () => structuredClone({ a: [1, 'b', { c: null }], d: new Map([[1, 2]]) }),
    () => {
      const controller = new AbortController();
      controller.signal.addEventListener('abort', () => undefined);
      controller.abort();
      return [controller.signal.aborted, AbortSignal.abort().reason];
    },
    () =>
      new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } }).json(),
    () => new Response(new Uint8Array([1, 2])).arrayBuffer(),
    () => new Request('https://example.com/x', { method: 'POST', body: '{}' }).text(),
    () => {
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('data: x\n\n'));
          controller.close();
        },
      });
      const reader = stream.getReader();
      return reader.read().then(() => reader.releaseLock());
    },
  ];
  for (const step of steps) {
    try {
      const result = step();
      if (result !== null && typeof result === 'object' && typeof result.then === 'function')
        result.then(undefined, () => undefined);
    } catch {
      // a step that throws still compiled what it ran before throwing
    }
  }
})();
