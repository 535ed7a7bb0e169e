#!/usr/bin/env node
import { main } from './main.js';
import { processIo } from './io.js';

// Extism loads node:wasi, which prints an experimental warning on every run; users need not see it.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && warning.message.includes('WASI')) return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

process.exitCode = await main(process.argv.slice(2), processIo());
