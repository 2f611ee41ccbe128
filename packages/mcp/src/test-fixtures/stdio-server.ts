// A stdio MCP server for tests: `node stdio-server.js [name]`.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { fixtureMcpServer } from '../testing.js';

const state = { calls: [], opened: 0, closed: 0, cancelled: 0, authorization: [] };
await fixtureMcpServer(process.argv[2] ?? 'local', state).connect(new StdioServerTransport());
