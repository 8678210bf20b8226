// The Node.js peer for the ingress benchmark: the same job as POST /v1/hooks/<id> with stock parts.
// node:http, HMAC-SHA256 of the exact body with node:crypto (constant-time compare), JSON parse, and one
// durable insert per request with better-sqlite3 (WAL, synchronous=FULL), then 202 with the new id.
// Usage: node receiver.mjs PORT DBFILE SECRET   (prints "listening PORT" when ready)
import http from 'node:http';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';

const [port, file, secret] = process.argv.slice(2);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL,
         received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)`);
const insert = db.prepare('INSERT INTO deliveries (id, webhook_id, received_at, headers, body) VALUES (?, ?, ?, ?, ?)');
const answer = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
};

const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
        const body = Buffer.concat(chunks);
        const given = Buffer.from(String(req.headers['x-alfe-signature-256'] || ''));
        const wanted = Buffer.from('sha256=' + crypto.createHmac('sha256', secret).update(body).digest('hex'));
        if (given.length !== wanted.length || !crypto.timingSafeEqual(given, wanted))
            return answer(res, 401, { error: { code: 'invalid_signature' } });
        try {
            JSON.parse(body);
        } catch {
            return answer(res, 400, { error: { code: 'invalid_json' } });
        }
        const id = 'dlv_' + crypto.randomUUID();
        insert.run(id, req.url.split('/').pop(), Date.now(), JSON.stringify(req.headers), body);
        answer(res, 202, { deliveryId: id });
    });
});
server.listen(Number(port), '127.0.0.1', () => console.log('listening ' + server.address().port));
