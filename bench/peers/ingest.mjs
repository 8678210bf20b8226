// The request handler the Node peers share: read the body, HMAC-SHA256 of it with node:crypto compared in
// constant time, JSON parse, then store(id, webhookId, headers, body) and 202 with the new id; 401 or 400
// otherwise. `after()` runs once a delivery is stored.
import crypto from 'node:crypto';

const answer = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
};

export function ingestHandler(secret, store, after = () => {}) {
    return (req, res) => {
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
            store(id, req.url.split('/').pop(), JSON.stringify(req.headers), body);
            answer(res, 202, { deliveryId: id });
            after();
        });
    };
}
