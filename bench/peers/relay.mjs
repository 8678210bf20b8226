// The Node.js relay peer: receiver.mjs's job (verify, parse, one durable insert per request) plus
// forwarding to the agent with a keep-alive agent (16 sockets) and one durable UPDATE per result, oldest
// first. Without FORWARD_URL it only stores (to build a backlog). With one it drains what is queued, prints
// "drained N in MS ms" once the queue first empties, and then forwards as deliveries arrive.
// Usage: node relay.mjs PORT DBFILE SECRET [FORWARD_URL]   (prints "listening PORT" when ready)
import http from 'node:http';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { ingestHandler } from './ingest.mjs';

const [port, file, secret, forwardUrl] = process.argv.slice(2);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL,
         received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
         status TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0)`);
db.exec('CREATE INDEX IF NOT EXISTS deliveries_queued ON deliveries(status, received_at)');
const insert = db.prepare('INSERT INTO deliveries (id, webhook_id, received_at, headers, body) VALUES (?, ?, ?, ?, ?)');
// NOT INDEXED: walk the table from the cursor (SQLite would otherwise pick the status index and scan every
// queued row on each call).
const next = db.prepare("SELECT rowid, id, body FROM deliveries NOT INDEXED WHERE rowid > ? AND status = 'queued' ORDER BY rowid LIMIT ?");
const done = db.prepare("UPDATE deliveries SET status = ?, attempts = attempts + 1 WHERE id = ?");

const InFlightMax = 16;
const agent = new http.Agent({ keepAlive: true, maxSockets: InFlightMax });
const target = forwardUrl ? new URL(forwardUrl) : null;
let inFlight = 0;
let cursor = 0;
let drainStart = 0;
let drained = 0;
let drainReported = !target;

function pump() {
    if (!target) return;
    const room = InFlightMax - inFlight;
    if (room <= 0) return;
    const rows = next.all(cursor, room);
    if (rows.length === 0 && inFlight === 0 && !drainReported) {
        drainReported = true;
        console.log(`drained ${drained} in ${Date.now() - drainStart} ms`);
    }
    for (const row of rows) {
        cursor = row.rowid;
        inFlight++;
        const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
                                   agent, headers: { 'Content-Type': 'application/json', 'X-Delivery-Id': row.id,
                                                     'X-Signature-256': 'sha256=' + crypto.createHmac('sha256', secret).update(row.body).digest('hex') } },
                                 (res) => {
            res.resume();
            res.on('end', () => {
                done.run(res.statusCode < 300 ? 'delivered' : 'queued', row.id);
                inFlight--;
                drained++;
                pump();
            });
        });
        req.on('error', () => { inFlight--; pump(); });
        req.end(row.body);
    }
}

// FILL=N: store N copies of the body in FILL_BODY first, in one transaction (building a backlog fast).
if (process.env.FILL) {
    const body = (await import('node:fs')).readFileSync(process.env.FILL_BODY);
    db.transaction(() => {
        for (let i = 0; i < Number(process.env.FILL); i++)
            insert.run('dlv_' + crypto.randomUUID(), 'whk_bench', Date.now(), '{}', body);
    })();
}

const server = http.createServer(ingestHandler(
    secret, (id, webhookId, headers, body) => insert.run(id, webhookId, Date.now(), headers, body), pump));
server.listen(Number(port), '127.0.0.1', () => {
    console.log('listening ' + server.address().port);
    drainStart = Date.now();
    pump();
});
