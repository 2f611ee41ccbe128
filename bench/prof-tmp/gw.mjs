import { createGateway } from '/work/main/packages/gateway/dist/index.js';
const usage = process.env.U !== '0', metrics = process.env.M !== '0';
const gw = await createGateway({ config: { usage: { enabled: usage }, metrics: { enabled: metrics }, storage: { sqlite_path: '/tmp/prof/gw.db' }, ai_gateway: { providers: [{ name: 'upstream', type: 'openai-compatible', base_url: 'http://127.0.0.1:9301/v1', api_key: 'bench', models: ['bench-model'] }] } } });
await gw.listen({ host: '127.0.0.1', port: 9302 });
console.log('gw');
process.on('SIGINT', async () => { await gw.close(); process.exit(0); });
