// Signs a body the way GitHub does, with the real @octokit/webhooks-methods library.
// Usage: node octokit-sign.mjs SECRET BODY_FILE  ->  prints "sha256=<hex>"
import { readFileSync } from "node:fs";
import { sign } from "@octokit/webhooks-methods";

const [secret, bodyFile] = process.argv.slice(2);
if (!secret || !bodyFile) {
  console.error("usage: node octokit-sign.mjs SECRET BODY_FILE");
  process.exit(2);
}
// octokit signs a string payload; GitHub's bodies are UTF-8 JSON, so decoding the file as UTF-8 is exact.
process.stdout.write(await sign(secret, readFileSync(bodyFile, "utf8")));
