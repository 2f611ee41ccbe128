import { createUpstreamServer } from '/work/main/bench/dist/upstream.js';
const s = createUpstreamServer(); s.listen(9301, '127.0.0.1', () => console.log('up'));
