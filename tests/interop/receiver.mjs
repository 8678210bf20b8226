// An agent that verifies what Alfe forwards with stock libraries: Standard Webhooks headers with the
// npm `standardwebhooks` package, X-Alfe-Signature-256 with node's crypto and with @octokit/webhooks-methods.
// Usage: node receiver.mjs SECRET
//   Listens on 127.0.0.1, any free port; prints {"port":N} first, then one JSON line per request:
//   {"path","deliveryId","attempt","standardWebhooks","alfeSignature","octokit","bodyLength","bodySha256",
//    "standardWebhooksError"}
//   Answers 200; /fail-once answers 500 to its first request, then 200; /status/NNN answers NNN.
//   Stops on SIGTERM or when stdin closes.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { verify as octokitVerify } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";

const secret = process.argv[2];
if (!secret) {
  console.error("usage: node receiver.mjs SECRET");
  process.exit(2);
}

function header(req, name) {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}

function verifyStandardWebhooks(body, req) {
  try {
    // The library strips the "whsec_" prefix and base64-decodes the rest itself. jsonParse: false because
    // not every body is JSON (form posts); the signature check is the same either way.
    new Webhook(secret).verify(body.toString("utf8"), req.headers, { jsonParse: false });
    return { ok: true, error: null };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
}

// HMAC-SHA256 over the raw body bytes, keyed with the whole "whsec_..." string: "sha256=<hex>".
function verifyAlfeSignature(body, signature) {
  const expected = Buffer.from("sha256=" + createHmac("sha256", secret).update(body).digest("hex"));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function verifyOctokit(body, signature) {
  try {
    return await octokitVerify(secret, body.toString("utf8"), signature);
  } catch {
    return false; // e.g. a missing signature
  }
}

const served = new Map(); // path -> requests so far

function statusFor(path) {
  const n = (served.get(path) ?? 0) + 1;
  served.set(path, n);
  if (path === "/fail-once") return n === 1 ? 500 : 200;
  const match = /^\/status\/(\d{3})$/.exec(path);
  return match ? Number(match[1]) : 200;
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    const path = new URL(req.url, "http://127.0.0.1").pathname;
    const signature = header(req, "x-alfe-signature-256");
    const standard = verifyStandardWebhooks(body, req);
    const line = {
      path,
      method: req.method,
      deliveryId: header(req, "x-alfe-delivery-id"),
      attempt: header(req, "x-alfe-attempt"),
      standardWebhooks: standard.ok,
      standardWebhooksError: standard.error,
      alfeSignature: verifyAlfeSignature(body, signature),
      octokit: await verifyOctokit(body, signature),
      bodyLength: body.length,
      bodySha256: createHash("sha256").update(body).digest("hex"),
      contentType: header(req, "content-type"),
    };
    process.stdout.write(JSON.stringify(line) + "\n");
    const status = req.method === "POST" ? statusFor(path) : 405;
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ok: status < 300 }));
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});

const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
