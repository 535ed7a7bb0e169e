// Roku's host functions (namespace extism:host/user). Kept apart: `@external` on a function is AssemblyScript
// syntax that TypeScript tooling (prettier, eslint) cannot parse.

// Takes and returns Extism memory offsets of UTF-8 JSON: CapabilityRequest in, CapabilityResponse out.
@external('extism:host/user', 'roku_cap')
export declare function roku_cap(request: u64): u64;

// Records an abort message for the host before the trap that follows (a trap carries no message).
@external('extism:host/user', 'roku_abort')
export declare function roku_abort(message: u64): void;
