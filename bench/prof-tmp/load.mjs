import autocannon from 'autocannon';
const stream = process.argv[2] === 'stream';
const r = await autocannon({ url: 'http://127.0.0.1:9302/v1/chat/completions', method: 'POST', connections: 32, duration: Number(process.argv[3] ?? 5), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bench-model', stream, messages: [{ role: 'user', content: 'Hello there, how are you today?' }] }) });
console.log(stream ? 'stream' : 'json', 'req/s', r.requests.average, 'p50', r.latency.p50, 'p99', r.latency.p99, 'non2xx', r.non2xx, 'errors', r.errors);
