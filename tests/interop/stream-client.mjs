// A test agent on Alfe's live stream (GET /v1/agents/me/stream), driven by the real npm `ws` client.
// Usage: node stream-client.mjs URL [--token T] [--ack] [--secret S] [--big N] [--no-pong] [--pause]
//   URL       ws://127.0.0.1:PORT/v1/agents/me/stream[?window=N]
//   --token   sent as Authorization: Bearer T (no Authorization header without it)
//   --ack     acks every delivery as soon as it arrives (otherwise the test answers through stdin)
//   --secret  the webhook's secret: each delivery is checked, its `signature` with node's crypto and its
//             `headers` with the npm `standardwebhooks` package
//   --big N   right after the hello, sends one text frame of N bytes
//   --no-pong does not answer the server's pings (a peer that went silent)
//   --pause   stops reading the connection right after the hello (an agent that is stuck)
// Prints one JSON line per event on stdout:
//   {"event":"open"}                                            the server answered 101
//   {"event":"refused","status":401,"headers":{…},"body":"…"}   the server answered anything else
//   {"event":"frame","frame":{…},"check":{…}}                   a text frame from the server (check: with --secret)
//   {"event":"sent","bytes":N}                                  a --big or `big` frame was handed to the socket
//   {"event":"ping"}                                            the server pinged
//   {"event":"error","message":"…"}
//   {"event":"close","code":N,"reason":"…"}                     last line; the process then exits 0
// Commands on stdin, one per line:
//   ack ID [STATUS] | nack ID [RETRY_AFTER] | send TEXT | big N | close [CODE]
// When stdin closes, the stream is closed (1000) and the process exits.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createInterface } from "node:readline";
import { Webhook } from "standardwebhooks";
import WebSocket from "ws";

const args = process.argv.slice(2);
const url = args.shift();
let token = null;
let autoAck = false;
let secret = null;
let big = 0;
let autoPong = true;
let pause = false;
while (args.length > 0) {
  const option = args.shift();
  if (option === "--token") token = args.shift();
  else if (option === "--ack") autoAck = true;
  else if (option === "--secret") secret = args.shift();
  else if (option === "--big") big = Number(args.shift());
  else if (option === "--no-pong") autoPong = false;
  else if (option === "--pause") pause = true;
  else {
    console.error(`stream-client: unknown option ${option}`);
    process.exit(2);
  }
}
if (!url) {
  console.error("usage: node stream-client.mjs URL [--token T] [--ack] [--secret S] [--big N] [--no-pong] [--pause]");
  process.exit(2);
}

const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

// X-Alfe-Signature-256 as docs/signatures.md says: HMAC-SHA256 of the exact body bytes keyed with the whole
// "whsec_…" string, compared in constant time over the 32 decoded bytes.
function signatureVerifies(body, header) {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(typeof header === "string" ? header : "");
  if (!m) return false;
  const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(m[1], "hex"));
}

function check(frame) {
  const body = Buffer.from(frame.body ?? "", "base64");
  const headers = frame.headers ?? {};
  const result = {
    signature: signatureVerifies(body, frame.signature),
    headerSignature: signatureVerifies(body, headers["X-Alfe-Signature-256"]),
    standardWebhooks: false,
    standardWebhooksError: null,
    bodyLength: body.length,
    bodySha256: createHash("sha256").update(body).digest("hex"),
  };
  try {
    new Webhook(secret).verify(body, headers, { jsonParse: false });
    result.standardWebhooks = true;
  } catch (error) {
    result.standardWebhooksError = String(error?.message ?? error);
  }
  return result;
}

const headers = token === null ? {} : { Authorization: `Bearer ${token}` };
// maxPayload: a delivery frame carries a body of up to the ingress limit, base64-encoded.
const ws = new WebSocket(url, { headers, autoPong, maxPayload: 1024 * 1024 * 1024 });

function sendBig(bytes) {
  ws.send(Buffer.alloc(bytes, 0x61), { binary: false }, (error) => {
    if (error) print({ event: "error", message: `big frame: ${error.message}` });
  });
  print({ event: "sent", bytes });
}

ws.on("unexpected-response", (req, res) => {
  const chunks = [];
  res.on("data", (chunk) => chunks.push(chunk));
  res.on("end", () => {
    print({ event: "refused", status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() });
    process.exit(0);
  });
});
ws.on("open", () => print({ event: "open" }));
ws.on("ping", () => print({ event: "ping" }));
ws.on("message", (data, isBinary) => {
  if (isBinary) {
    print({ event: "error", message: `binary frame of ${data.length} bytes` });
    return;
  }
  let frame;
  try {
    frame = JSON.parse(data.toString());
  } catch {
    print({ event: "error", message: `not JSON: ${data.toString().slice(0, 200)}` });
    return;
  }
  const line = { event: "frame", frame };
  if (frame.type === "delivery" && secret !== null) line.check = check(frame);
  print(line);
  if (frame.type === "hello" && big > 0) sendBig(big);
  if (frame.type === "hello" && pause) ws.pause();
  if (frame.type === "delivery" && autoAck) ws.send(JSON.stringify({ type: "ack", deliveryId: frame.deliveryId }));
});
ws.on("error", (error) => print({ event: "error", message: String(error?.message ?? error) }));
ws.on("close", (code, reason) => {
  print({ event: "close", code, reason: reason.toString() });
  process.exit(0);
});

createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, id, value] = line.trim().split(/\s+/);
  if (command === "ack") {
    const frame = { type: "ack", deliveryId: id };
    if (value !== undefined) frame.status = Number(value);
    ws.send(JSON.stringify(frame));
  } else if (command === "nack") {
    const frame = { type: "nack", deliveryId: id };
    if (value !== undefined) frame.retryAfter = Number(value);
    ws.send(JSON.stringify(frame));
  } else if (command === "send") {
    ws.send(line.trim().slice("send".length).trim());
  } else if (command === "big") {
    sendBig(Number(id));
  } else if (command === "close") {
    ws.close(id === undefined ? 1000 : Number(id));
  } else if (command) {
    print({ event: "error", message: `unknown command: ${line}` });
  }
}).on("close", () => {
  // No more commands: close the stream (unless it is closing already), print the close line, exit.
  if (ws.readyState === WebSocket.CLOSED) process.exit(0);
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  setTimeout(() => process.exit(0), 5000).unref();
});
