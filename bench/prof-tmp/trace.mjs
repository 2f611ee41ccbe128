import { createGateway } from '/work/main/packages/gateway/dist/index.js';
import diagnostics from 'node:diagnostics_channel';
import { request } from 'undici';
const stream = process.argv[2] !== 'json';
const gw = await createGateway({ config: { usage: { enabled: process.env.U !== '0' }, storage: { sqlite_path: ':memory:' }, ai_gateway: { providers: [{ name: 'upstream', type: 'openai-compatible', base_url: 'http://127.0.0.1:9301/v1', api_key: 'bench', models: ['bench-model'] }] } } });
const server = await gw.listen({ host: '127.0.0.1', port: 0 });
const marks = [];
let t0 = 0;
const mark = (name) => marks.push([name, performance.now() - t0]);
gw.switchyard.events.on('exchange.start', () => mark('exchange.start'));
gw.switchyard.events.on('attempt.start', () => mark('attempt.start'));
gw.switchyard.events.on('attempt.end', () => mark('attempt.end'));
diagnostics.channel('undici:request:create').subscribe(() => mark('undici.create'));
diagnostics.channel('undici:client:sendHeaders').subscribe(() => mark('undici.sendHeaders'));
diagnostics.channel('undici:request:headers').subscribe(() => mark('undici.headers'));
diagnostics.channel('undici:request:trailers').subscribe(() => mark('undici.done'));
const body = JSON.stringify({ model: 'bench-model', stream, messages: [{ role: 'user', content: 'hi' }] });
const client = new (await import('undici')).Agent();
for (let i = 0; i < 60; i++) {
  marks.length = 0;
  t0 = performance.now();
  const res = await request(`http://127.0.0.1:${server.address().port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher: client });
  mark('client.headers');
  let first = true;
  for await (const c of res.body) if (first) { mark('client.firstChunk'); first = false; }
  mark('client.end');
  await new Promise(r => setImmediate(r));
  if (i === 59) console.log(marks.map(([n, t]) => `${n} ${t.toFixed(2)}`).join('\n'));
}
await gw.close(); await client.close();
