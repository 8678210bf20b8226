// A local agent for the benchmark: answers every forwarded delivery 204 at once, keep-alive. GET /count
// answers how many deliveries it has received (the same yardstick for Alfe and the Node relay). With a
// LATENCY_FILE, it appends "<ms since epoch> <X-Alfe-Delivery-Id>" per delivery when it exits (SIGTERM).
// Usage: node agent.mjs PORT   (prints "listening PORT" when ready)
import http from 'node:http';
import fs from 'node:fs';

const [port] = process.argv.slice(2);
const latencyFile = process.env.LATENCY_FILE;
const arrivals = [];
let count = 0;
const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end(String(count));
    }
    const at = performance.timeOrigin + performance.now();
    req.resume();
    req.on('end', () => {
        count++;
        if (latencyFile)
            arrivals.push(`${at.toFixed(3)} ${req.headers['x-alfe-delivery-id'] || req.headers['x-delivery-id']}`);
        res.writeHead(204);
        res.end();
    });
});
process.on('SIGTERM', () => {
    if (latencyFile)
        fs.writeFileSync(latencyFile, arrivals.join('\n') + '\n');
    process.exit(0);
});
server.listen(Number(port), '127.0.0.1', () => console.log('listening ' + server.address().port));
