// Signs a body the way a Standard Webhooks sender does, with the real npm `standardwebhooks` library (the
// reference implementation of the specification: HMAC-SHA256 of "<msg id>.<timestamp>.<body>" keyed with the base64
// after "whsec_").
// Usage: node standardwebhooks-sign.mjs SECRET MSG_ID UNIX_SECONDS BODY_FILE  ->  prints the webhook-signature
// value "v1,<base64>"
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const [secret, msgId, timestamp, bodyFile] = process.argv.slice(2);
if (!secret || !msgId || !/^[0-9]+$/.test(timestamp ?? "") || !bodyFile) {
  console.error("usage: node standardwebhooks-sign.mjs SECRET MSG_ID UNIX_SECONDS BODY_FILE");
  process.exit(2);
}
const payload = readFileSync(bodyFile, "utf8");
process.stdout.write(new Webhook(secret).sign(msgId, new Date(Number(timestamp) * 1000), payload));
