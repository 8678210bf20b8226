// Verify Alfe webhook signatures (X-Alfe-Signature-256). Node.js 20, standard library only.
//
// Copy verifyAlfeSignature() into your receiver. Run this file against the shipped vectors:
//
//     node docs/examples/verify.mjs docs/signature-test-vectors.json
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const HEADER_RE = /^sha256=([0-9a-fA-F]{64})$/;

/** Header value for `body`: 'sha256=' + lower-case hex HMAC-SHA256. */
export function signAlfe(secret, body) {
  return 'sha256=' + createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/**
 * secret: the whole 'whsec_...' string. body: a Buffer with the raw request bytes, exactly as
 * received (never JSON.stringify(req.body)). header: the X-Alfe-Signature-256 value ('' if missing).
 */
export function verifyAlfeSignature(secret, body, header) {
  const m = HEADER_RE.exec(typeof header === 'string' ? header : '');
  if (!m) return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(m[1], 'hex')); // both 32 bytes
}

/** During a rotation grace period two secrets are valid: accept if either matches. */
export function verifyAny(secrets, body, header) {
  return secrets.some((s) => verifyAlfeSignature(s, body, header));
}

function main(argv) {
  if (argv.length !== 1) {
    console.log('usage: node verify.mjs signature-test-vectors.json');
    return 2;
  }
  const { vectors } = JSON.parse(readFileSync(argv[0], 'utf8'));
  let passed = 0;
  let failed = 0;
  for (const v of vectors) {
    const body = Buffer.from(v.bodyBase64, 'base64');
    const problems = [];
    const got = verifyAlfeSignature(v.secret, body, v.header);
    if (got !== v.valid) problems.push(`verify gave ${got}, expected ${v.valid}`);
    if (v.valid && v.header === v.header.toLowerCase()) {
      const signed = signAlfe(v.secret, body);
      if (signed !== v.header) problems.push(`sign gave ${signed}`);
    }
    if (problems.length) {
      failed++;
      console.log(`FAIL ${v.name}: ${problems.join('; ')}`);
    } else {
      passed++;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
