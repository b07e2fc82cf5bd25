// Load client of bench/ws_echo.py: N WebSockets, each sending a text message and waiting for
// its echo before sending the next (one round trip in flight per socket).
//
// Usage: node ws_client.cjs URL CONNECTIONS WARMUP_S DURATION_S [MESSAGE_BYTES]
// Needs the `ws` package (ws_echo.py installs it into a scratch folder and sets NODE_PATH).
// Prints "WINDOW_START" when the warm-up ends and the timed window begins, then one line
// "WS_JSON {...}": round trips in the window, their rate, the echoes that differed, and this
// process's CPU time in the window as a share of one core (the client must stay under it).
"use strict";
const WebSocket = require("ws");

const [url, connections, warmupS, durationS, size] = process.argv.slice(2);
const count = Number(connections);
const payload = "x".repeat(Number(size || 32));
const expected = Buffer.from(payload);
let roundTrips = 0;
let wrong = 0;
let failed = 0;
let open = 0;
let stopping = false;
const sockets = [];

function finish(startedNs, cpuStart, tripsAtStart) {
  const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const trips = roundTrips - tripsAtStart;
  stopping = true;
  const result = {
    connections: count,
    message_bytes: payload.length,
    round_trips: trips,
    seconds,
    messages_per_s: trips / seconds,
    wrong_echoes: wrong,
    failed_sockets: failed,
    client_cpu_share: (cpu.user + cpu.system) / 1e6 / seconds,
  };
  process.stdout.write(`WS_JSON ${JSON.stringify(result)}\n`);
  for (const socket of sockets) socket.terminate();
  process.exit(0);
}

function startClock() {
  setTimeout(() => {
    const startedNs = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const tripsAtStart = roundTrips;
    process.stdout.write("WINDOW_START\n");
    setTimeout(() => finish(startedNs, cpuStart, tripsAtStart), Number(durationS) * 1000);
  }, Number(warmupS) * 1000);
}

for (let i = 0; i < count; i++) {
  // NOTE: no per-message deflate: neither server under test negotiates it by default either.
  const socket = new WebSocket(url, { perMessageDeflate: false });
  sockets.push(socket);
  socket.on("open", () => {
    open += 1;
    if (open === count) startClock();
    socket.send(payload);
  });
  socket.on("message", (data, isBinary) => {
    if (isBinary || !expected.equals(data)) wrong += 1;
    roundTrips += 1;
    socket.send(payload);
  });
  socket.on("error", (error) => {
    failed += 1;
    process.stderr.write(`socket ${i}: ${error.message}\n`);
  });
  socket.on("close", (code) => {
    if (!stopping) {
      failed += 1;
      process.stderr.write(`socket ${i} closed by the server (${code})\n`);
    }
  });
}

setTimeout(() => {
  if (open < count) {
    process.stderr.write(`only ${open} of ${count} sockets opened within 30 s\n`);
    process.exit(1);
  }
}, 30000);
