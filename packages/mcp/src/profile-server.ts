import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ReadResourceRequestSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '@switchyard/core';
import { mcpPolicyAllows } from '@switchyard/auth-key';
import { McpErrorCode, toMcpError } from './errors.js';
import { callOptions, gather, onMember, unavailableMeta, type ListKind, type Lister } from './member-listing.js';
import { NameTable, type Route } from './naming.js';
import type { ResolvedOptions } from './options.js';
import type { MemberRuntime, ProfileRuntime } from './profile-runtime.js';
import { measure, outcomeOf, type ToolCallOutcome } from './tool-call-log.js';
import type { ToolCalls } from './tool-calls.js';
import { UpstreamSet } from './upstream-set.js';
import { byokHeaders } from './upstream.js';

/** What one client session needs to know. */
export interface SessionContext {
  readonly profile: ProfileRuntime;
  readonly o: ResolvedOptions;
  readonly calls: ToolCalls;
  /** The caller as of its latest request (its policy may have changed since it connected). */
  principal(): Principal;
  sessionId(): string | undefined;
  /** The caller's own (BYOK) credential of this name, decrypted; undefined when it holds none. */
  credential(name: string): string | undefined;
}

/**
 * One client session of a profile: an MCP server over the members' upstream sessions. Lists
 * merge every reachable member (names prefixed), calls are routed by name, list changes,
 * progress and cancellations pass through.
 */
export class ProfileSession {
  readonly server: Server;
  readonly upstreams: UpstreamSet;
  readonly #tools: NameTable;
  readonly #prompts: NameTable;
  readonly #resources = new Map<string, string>();
  #templates: { prefix: string; member: string }[] = [];
  readonly #unsubscribe: () => void;

  constructor(private readonly ctx: SessionContext) {
    const { o, profile } = ctx;
    this.#tools = new NameTable(o.prefixNames, o.separator);
    this.#prompts = new NameTable(o.prefixNames, o.separator);
    this.server = new Server(o.serverInfo, {
      capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true } },
      ...(profile.description ? { instructions: profile.description } : {}),
    });
    this.upstreams = new UpstreamSet(
      o,
      (_member, client) => this.#forwardListChanges(client),
      (member) => byokHeaders(member.config, (name) => ctx.credential(name)),
    );
    this.#handleTools();
    this.#handlePrompts();
    this.#handleResources();
    // A member going down or coming back changes every listing of the profile: say so, as a
    // member's own list change would.
    this.#unsubscribe = profile.onMemberChange(() => this.#announceListChanges());
  }

  /** Warm up: connect every member now, so upstream sessions are ready by the client's first request. */
  connectAll(): void {
    for (const member of this.ctx.profile.members.values()) if (member.health.available) this.upstreams.client(member).catch(() => {});
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await Promise.all([this.upstreams.close(), this.server.close().catch(() => {})]);
  }

  #forwardListChanges(client: Client): void {
    const forward = (send: () => Promise<void>) => () => void send().catch(() => {});
    client.setNotificationHandler(
      ToolListChangedNotificationSchema,
      forward(() => this.server.sendToolListChanged()),
    );
    client.setNotificationHandler(
      PromptListChangedNotificationSchema,
      forward(() => this.server.sendPromptListChanged()),
    );
    client.setNotificationHandler(
      ResourceListChangedNotificationSchema,
      forward(() => this.server.sendResourceListChanged()),
    );
  }

  #announceListChanges(): void {
    // Only once the client is initialised (before that the SDK has no one to send to).
    if (!this.server.getClientCapabilities()) return;
    for (const send of [() => this.server.sendToolListChanged(), () => this.server.sendPromptListChanged(), () => this.server.sendResourceListChanged()]) {
      send().catch(() => {});
    }
  }

  /** Run `fn` against a member's client through its breaker and deadline. */
  #onMember<T>(member: MemberRuntime, fn: (client: Client, signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return onMember(this.upstreams, member, fn, signal);
  }

  /** Every item of one listing from every available member; see {@link gather}. */
  #gather<T>(kind: ListKind, field: string, list: Lister, signal: AbortSignal) {
    const { profile, o } = this.ctx;
    return gather<T>(profile.members.values(), this.upstreams, { kind, field, list, signal }, (member, err) =>
      o.logger.warn({ profile: profile.name, member, kind, err: (err as Error)?.message }, 'MCP member left out of a listing'),
    );
  }

  #member(name: string): MemberRuntime {
    return this.ctx.profile.members.get(name)!;
  }

  async #listTools(signal: AbortSignal): Promise<{ tools: Tool[]; _meta?: Record<string, unknown> }> {
    const { perMember, unavailable } = await this.#gather<Tool>('tools', 'tools', (c, params, options) => c.listTools(params, options), signal);
    this.#tools.clear();
    const principal = this.ctx.principal();
    const tools: Tool[] = [];
    for (const [member, items] of perMember) {
      for (const tool of items) {
        const name = this.#tools.expose(member, tool.name);
        if (name !== undefined && mcpPolicyAllows(principal, { profile: this.ctx.profile.name, tool: name })) tools.push({ ...tool, name });
      }
    }
    return { tools, ...unavailableMeta(unavailable) };
  }

  #handleTools(): void {
    this.server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => this.#listTools(extra.signal));
    this.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const { profile, o, calls } = this.ctx;
      const principal = this.ctx.principal();
      const tool = request.params.name;
      const at = o.now();
      const args = measure(request.params.arguments, o.captureBodies ? o.captureLimit : undefined);
      let route: Route | undefined;
      let outcome: ToolCallOutcome = 'ok';
      let result: unknown;
      let error: string | undefined;
      let release = () => {};
      try {
        if (!mcpPolicyAllows(principal, { profile: profile.name, tool }))
          throw new McpError(McpErrorCode.forbidden, `This API key may not call tool "${tool}"`);
        route = this.#tools.route(tool, profile.memberNames);
        if (!route) {
          await this.#listTools(extra.signal); // the client may not have listed yet
          route = this.#tools.route(tool, profile.memberNames);
        }
        if (!route) {
          outcome = 'unknown_tool';
          throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${tool}`);
        }
        release = await calls.admit(principal);
        const member = this.#member(route.member);
        const progressToken = request.params._meta?.progressToken;
        const upstreamName = route.name;
        result = await this.#onMember(
          member,
          (client, signal) =>
            client.callTool({ name: upstreamName, ...(request.params.arguments ? { arguments: request.params.arguments } : {}) }, undefined, {
              ...callOptions(member, signal),
              resetTimeoutOnProgress: true,
              ...(progressToken !== undefined
                ? { onprogress: (p) => void extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken } }).catch(() => {}) }
                : {}),
            }),
          extra.signal,
        );
        if ((result as { isError?: boolean }).isError) outcome = 'tool_error';
        return result as Record<string, unknown>;
      } catch (err) {
        if (outcome === 'ok') outcome = outcomeOf(err, extra.signal.aborted);
        error = (err as Error)?.message?.slice(0, 200);
        throw route ? toMcpError(err, route.member) : err;
      } finally {
        release();
        const res = measure(result, o.captureBodies ? o.captureLimit : undefined);
        calls.record({
          at,
          profile: profile.name,
          ...(route ? { member: route.member } : {}),
          tool,
          key: principal.id,
          ...(this.ctx.sessionId() ? { sessionId: this.ctx.sessionId() } : {}),
          durationMs: o.now() - at,
          outcome,
          requestBytes: args.bytes,
          responseBytes: res.bytes,
          ...(error ? { error } : {}),
          ...(args.text !== undefined ? { arguments: args.text } : {}),
          ...(res.text !== undefined ? { result: res.text } : {}),
        });
      }
    });
  }

  #handlePrompts(): void {
    this.server.setRequestHandler(ListPromptsRequestSchema, async (_request, extra) => {
      const { perMember, unavailable } = await this.#gather<Prompt>('prompts', 'prompts', (c, params, options) => c.listPrompts(params, options), extra.signal);
      this.#prompts.clear();
      const prompts: Prompt[] = [];
      for (const [member, items] of perMember) {
        for (const prompt of items) {
          const name = this.#prompts.expose(member, prompt.name);
          if (name !== undefined) prompts.push({ ...prompt, name });
        }
      }
      return { prompts, ...unavailableMeta(unavailable) };
    });
    this.server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
      const route = this.#prompts.route(request.params.name, this.ctx.profile.memberNames);
      if (!route) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
      const member = this.#member(route.member);
      try {
        return await this.#onMember(
          member,
          (client, signal) => client.getPrompt({ ...request.params, name: route.name }, callOptions(member, signal)),
          extra.signal,
        );
      } catch (err) {
        throw toMcpError(err, route.member);
      }
    });
  }

  #handleResources(): void {
    this.server.setRequestHandler(ListResourcesRequestSchema, async (_request, extra) => {
      const { perMember, unavailable } = await this.#gather<Resource>(
        'resources',
        'resources',
        (c, params, options) => c.listResources(params, options),
        extra.signal,
      );
      this.#resources.clear();
      const resources: Resource[] = [];
      for (const [member, items] of perMember) {
        for (const resource of items) {
          if (this.#resources.has(resource.uri)) continue; // the same URI from two members: the first serves it
          this.#resources.set(resource.uri, member);
          resources.push({ ...resource, name: this.#exposed(member, resource.name) });
        }
      }
      return { resources, ...unavailableMeta(unavailable) };
    });
    this.server.setRequestHandler(ListResourceTemplatesRequestSchema, async (_request, extra) => {
      const { perMember, unavailable } = await this.#gather<ResourceTemplate>(
        'resources',
        'resourceTemplates',
        (c, params, options) => c.listResourceTemplates(params, options),
        extra.signal,
      );
      const templates: ResourceTemplate[] = [];
      this.#templates = [];
      for (const [member, items] of perMember) {
        for (const template of items) {
          this.#templates.push({ prefix: template.uriTemplate.split('{')[0]!, member });
          templates.push({ ...template, name: this.#exposed(member, template.name) });
        }
      }
      return { resourceTemplates: templates, ...unavailableMeta(unavailable) };
    });
    this.server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
      const uri = request.params.uri;
      const memberName =
        this.#resources.get(uri) ?? this.#templates.filter((t) => uri.startsWith(t.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0]?.member;
      if (!memberName) throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${uri} (list resources or templates first)`);
      const member = this.#member(memberName);
      try {
        return await this.#onMember(member, (client, signal) => client.readResource(request.params, callOptions(member, signal)), extra.signal);
      } catch (err) {
        throw toMcpError(err, memberName);
      }
    });
  }

  #exposed(member: string, name: string): string {
    return this.ctx.o.prefixNames ? `${member}${this.ctx.o.separator}${name}` : name;
  }
}
