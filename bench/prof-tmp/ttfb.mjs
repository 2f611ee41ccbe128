import { request } from 'undici';
const port = Number(process.argv[2] ?? 9302);
const body = JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
const ttfb = [], total = [];
for (let i = 0; i < 300; i++) {
  const t0 = performance.now();
  const res = await request(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  let first = true;
  for await (const chunk of res.body) { if (first) { ttfb.push(performance.now() - t0); first = false; } }
  total.push(performance.now() - t0);
}
const p = (a, q) => a.sort((x, y) => x - y)[Math.floor(a.length * q)].toFixed(3);
console.log(port, 'ttfb p50', p(ttfb.slice(50), 0.5), 'p99', p(ttfb.slice(50), 0.99), 'total p50', p(total.slice(50), 0.5));
