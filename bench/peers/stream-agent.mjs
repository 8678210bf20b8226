// A local agent on Alfe's live stream (GET /v1/agents/me/stream, SPEC §12) for the benchmark, over the npm `ws`
// client: acks every delivery as soon as its frame has arrived. The stream twin of agent.mjs: GET /count on its
// own HTTP port answers how many distinct deliveries it has received, and with a LATENCY_FILE it appends
// "<ms since epoch> <deliveryId>" per delivery frame when it exits (SIGTERM), the format bench/pipeline.sh's
// percentiles reads beside pace.mjs's file (a delivery sent twice has two lines, as with agent.mjs). On exit it
// prints "frames N, deliveries D, duplicates R, errors E" (a delivery can arrive twice: at-least-once; each
// repeat is also said on stderr with its attempt and how long after the first it came).
// Usage: STREAM_TOKEN=<agent token> node stream-agent.mjs WS_URL PORT
//   WS_URL  ws://127.0.0.1:ALFE_PORT/v1/agents/me/stream[?window=N]
//   PORT    of the /count server (0: any free one)
// Prints "listening PORT" once the server's hello has arrived (the stream is open then). The stream must stay
// open for the whole run: a close or an error ends the process with status 1.
import http from 'node:http';
import fs from 'node:fs';
import WebSocket from 'ws';

const [url, port] = process.argv.slice(2);
const token = process.env.STREAM_TOKEN;
const latencyFile = process.env.LATENCY_FILE;
if (!url || port === undefined || !token) {
    console.error('usage: STREAM_TOKEN=T node stream-agent.mjs WS_URL PORT');
    process.exit(2);
}
const now = () => performance.timeOrigin + performance.now();
const arrivals = [];
const seen = new Map(); // deliveryId -> [first arrival ms, its attempt]
let frames = 0;
let duplicates = 0;
let errors = 0;

const summary = () => `frames ${frames}, deliveries ${seen.size}, duplicates ${duplicates}, errors ${errors}`;
function finish(status) {
    if (latencyFile)
        fs.writeFileSync(latencyFile, arrivals.join('\n') + '\n');
    console.log(summary());
    process.exit(status);
}

const counter = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(String(seen.size));
});

const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
ws.on('message', (data, isBinary) => {
    const at = now();
    frames++;
    if (isBinary)
        return;
    const frame = JSON.parse(data.toString('utf8'));
    if (frame.type === 'hello') {
        counter.listen(Number(port), '127.0.0.1', () => console.log('listening ' + counter.address().port));
        return;
    }
    if (frame.type === 'error') {
        errors++;
        console.error('stream-agent: error frame ' + JSON.stringify(frame));
        return;
    }
    if (frame.type !== 'delivery')
        return;
    ws.send(JSON.stringify({ type: 'ack', deliveryId: frame.deliveryId }));
    if (latencyFile)
        arrivals.push(`${at.toFixed(3)} ${frame.deliveryId}`);
    const first = seen.get(frame.deliveryId);
    if (first) {
        duplicates++;
        console.error(`stream-agent: ${frame.deliveryId} again, attempt ${frame.attempt} (first: attempt ${first[1]}, ` +
                      `${(at - first[0]).toFixed(3)} ms earlier)`);
        return;
    }
    seen.set(frame.deliveryId, [at, frame.attempt]);
});
ws.on('unexpected-response', (req, res) => {
    console.error(`stream-agent: refused with ${res.statusCode}`);
    process.exit(1);
});
ws.on('error', (error) => {
    console.error('stream-agent: ' + error.message);
    finish(1);
});
ws.on('close', (code, reason) => {
    console.error(`stream-agent: stream closed (${code}${reason.length ? ': ' + reason : ''})`);
    finish(1);
});
process.on('SIGTERM', () => finish(0));
