// Echoes every IPC message back: the floor of any call that crosses into another process.
process.on('message', (message) => process.send(message));
