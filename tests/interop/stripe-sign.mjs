// Signs a body the way Stripe does, with the real `stripe` library (its webhooks.generateTestHeaderString, which
// computes the v1 HMAC of "<t>.<payload>" with the endpoint's signing secret, as Stripe's servers do).
// Usage: node stripe-sign.mjs SECRET UNIX_SECONDS BODY_FILE  ->  prints the Stripe-Signature value "t=…,v1=…"
import { readFileSync } from "node:fs";
import Stripe from "stripe";

const [secret, timestamp, bodyFile] = process.argv.slice(2);
if (!secret || !/^[0-9]+$/.test(timestamp ?? "") || !bodyFile) {
  console.error("usage: node stripe-sign.mjs SECRET UNIX_SECONDS BODY_FILE");
  process.exit(2);
}
// Stripe's event bodies are UTF-8 JSON, which the library signs as a string: decoding the file as UTF-8 is exact.
const payload = readFileSync(bodyFile, "utf8");
// Stripe.webhooks is the library's static helper: no client, no API key, no network.
process.stdout.write(Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Number(timestamp) }));
