// A minimal DOMException (V8 alone has none); `code` follows the legacy numeric table for common names.
const CODES = {
  IndexSizeError: 1,
  InvalidCharacterError: 5,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  NetworkError: 19,
  AbortError: 20,
  QuotaExceededError: 22,
  TimeoutError: 23,
  DataCloneError: 25,
};

export class DOMException extends Error {
  constructor(message = '', name = 'Error') {
    super(message);
    Object.defineProperty(this, 'name', { value: String(name), writable: true, configurable: true });
  }
  get code() {
    return CODES[this.name] || 0;
  }
}
