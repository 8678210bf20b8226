// An Alfe agent on the live stream: verifies each delivery's signature, acks it (nacks a bad one).
// node stream-agent.mjs [SERVER [TOKEN [SECRET]]], or ALFE_SERVER, ALFE_TOKEN, ALFE_WEBHOOK_SECRET.
// SECRET: the webhook's whsec_… secret; several, comma-separated, while rotating or for several webhooks.
// Node.js 18 or later and the `ws` package (npm install ws).
import { createHmac, timingSafeEqual } from "node:crypto";
import WebSocket from "ws";

const [server = process.env.ALFE_SERVER ?? "http://127.0.0.1:8787", token = process.env.ALFE_TOKEN,
  secret = process.env.ALFE_WEBHOOK_SECRET] = process.argv.slice(2);
const secrets = secret.split(",");
const url = server.replace(/\/$/, "").replace(/^http/, "ws") + "/v1/agents/me/stream";

// docs/signatures.md: HMAC-SHA256 of the exact body bytes, keyed with the whole whsec_… string.
function verified(frame) {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(frame.signature);
  const body = Buffer.from(frame.body, "base64");
  return m !== null && secrets.some((s) =>
    timingSafeEqual(createHmac("sha256", s).update(body).digest(), Buffer.from(m[1], "hex")));
}

let ws;
let stopping = false;

function connect() {
  const socket = (ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } }));
  socket.on("message", (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type !== "delivery") return console.log(JSON.stringify(frame)); // hello, or an error
    const ok = verified(frame);
    console.log(frame.deliveryId, frame.eventType, "attempt", frame.attempt, ok ? "verified" : "BAD SIGNATURE");
    socket.send(JSON.stringify({ type: ok ? "ack" : "nack", deliveryId: frame.deliveryId }));
  });
  socket.on("unexpected-response", (req, res) => { // 401: wrong token; 400, 426: see docs/agents.md
    if (res.statusCode !== 503) {
      console.error(`refused: HTTP ${res.statusCode}`);
      process.exit(1);
    }
    socket.terminate();
  });
  socket.on("error", (error) => console.error(error.message));
  socket.on("close", (code, reason) => {
    if (stopping) process.exit(0);
    if (code === 4000 || code === 4001) { // replaced by a newer stream, or the agent was removed
      console.error(`closed by the server: ${code} ${reason}`);
      process.exit(1);
    }
    console.error("stream closed; reconnecting in 5 s"); // it resumes with the oldest unacknowledged delivery
    setTimeout(connect, 5000);
  });
}

process.on("SIGINT", () => { // Ctrl-C: close the stream (1000); unacknowledged deliveries come again next time
  stopping = true;
  if (ws.readyState === WebSocket.CLOSED) process.exit(0);
  ws.close(1000);
});
connect();
