// The Node.js peer for the ingress benchmark: the same job as POST /v1/hooks/<id> with stock parts.
// node:http, HMAC-SHA256 of the exact body with node:crypto (constant-time compare), JSON parse, and one
// durable insert per request with better-sqlite3 (WAL, synchronous=FULL), then 202 with the new id.
// Usage: node receiver.mjs PORT DBFILE SECRET   (prints "listening PORT" when ready)
import http from 'node:http';
import Database from 'better-sqlite3';
import { ingestHandler } from './ingest.mjs';

const [port, file, secret] = process.argv.slice(2);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL,
         received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)`);
const insert = db.prepare('INSERT INTO deliveries (id, webhook_id, received_at, headers, body) VALUES (?, ?, ?, ?, ?)');
const server = http.createServer(
    ingestHandler(secret, (id, webhookId, headers, body) => insert.run(id, webhookId, Date.now(), headers, body)));
server.listen(Number(port), '127.0.0.1', () => console.log('listening ' + server.address().port));
