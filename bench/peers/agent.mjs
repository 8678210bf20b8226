// A local agent for the benchmark: answers every forwarded delivery 204 at once, keep-alive.
// Usage: node agent.mjs PORT   (prints "listening PORT" when ready)
import http from 'node:http';

const [port] = process.argv.slice(2);
const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
        res.writeHead(204);
        res.end();
    });
});
server.listen(Number(port), '127.0.0.1', () => console.log('listening ' + server.address().port));
