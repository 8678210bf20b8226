// Posts the signed body at a fixed rate over keep-alive connections and records, per delivery, when the
// post left and when its 2xx came back: "<sent ms> <acknowledged ms> <deliveryId>" lines in OUTFILE.
// Usage: node pace.mjs URL BODYFILE SIGNATURE RATE SECONDS OUTFILE
import http from 'node:http';
import fs from 'node:fs';

const [url, bodyFile, signature, rate, seconds, outFile] = process.argv.slice(2);
const body = fs.readFileSync(bodyFile);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const now = () => performance.timeOrigin + performance.now();
const lines = [];
const total = Number(rate) * Number(seconds);
let sent = 0;
let answered = 0;
let failed = 0;
const start = now();

function post() {
    const t0 = now();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
                               headers: { 'Content-Type': 'application/json', 'X-Alfe-Signature-256': signature } },
                             (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
            const t1 = now();
            if (res.statusCode >= 200 && res.statusCode < 300)
                lines.push(`${t0.toFixed(3)} ${t1.toFixed(3)} ${JSON.parse(Buffer.concat(chunks)).deliveryId}`);
            else
                failed++;
            if (++answered === total) {
                fs.writeFileSync(outFile, lines.join('\n') + '\n');
                console.log(`posted ${total}, ${failed} not acknowledged`);
                process.exit(0);
            }
        });
    });
    req.on('error', () => { failed++; answered++; });
    req.end(body);
}

// On schedule, not as fast as possible: post n leaves at start + n / rate.
function tick() {
    const due = Math.min(total, Math.floor(((now() - start) / 1000) * Number(rate)) + 1);
    while (sent < due) {
        sent++;
        post();
    }
    if (sent < total)
        setTimeout(tick, 1);
}
tick();
