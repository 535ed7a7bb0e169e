// Echoes every newline-delimited JSON message on stdin back on stdout: the floor of a call that crosses into
// another Node process (one write and one read each way, one JSON parse and stringify on the far side).
import { createInterface } from 'node:readline';

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  process.stdout.write(`${JSON.stringify({ id: message.id, result: message.params })}\n`);
});
