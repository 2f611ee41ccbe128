/**
 * State the CLI's cluster workers (`switchyard start --workers N`) share through the primary
 * process when no Redis is configured: rate-limit counters and leases, breaker flags, round-robin
 * cursors, provider figures and key notices. Each worker gets stores implementing the usual
 * interfaces whose every operation is a call over the cluster IPC channel, run by the primary on
 * one in-memory store, so an operation is as atomic as on the single-process store and N workers
 * keep one limit, never N.
 * @module
 */
import { MemoryStore, type KeyValueStore, type Logger } from '@switchyard/core';
import { MemoryLimitStore, type LimitStore } from '@switchyard/rate-limit';
import { memoryFiguresStore, type ProviderFiguresStore } from '@switchyard/failover';
import type { KeyChannel } from '@switchyard/auth-key';
import type { CatalogOverrideStore } from '@switchyard/model-mapping';

/** Stores a worker uses instead of its own memory, so every worker sees the same state. */
export interface SharedState {
  /** A rate-limit store; one per prefix (key budgets, provider limits). */
  limitStore(prefix: string): LimitStore;
  /** A key-value store (breaker flags, round-robin cursors); one per prefix. */
  keyValueStore(prefix: string): KeyValueStore;
  /** Provider outcome counts and load, summed over the workers. */
  figuresStore(): ProviderFiguresStore;
  /** Key changes (revocations, limit edits), applied by every worker before `publish` resolves. */
  keyChannel(): KeyChannel;
  /** A named broadcast between the workers (see {@link Topic}). */
  topic(name: string): Topic;
}

/**
 * Notices to every worker (the sender included). `publish` resolves once every live worker's
 * listeners have run, and waited for the promises they returned (or after a delivery timeout).
 */
export interface Topic {
  publish(payload: unknown): Promise<void>;
  subscribe(listener: (payload: unknown) => unknown): () => void;
}

/** The part of a cluster worker (or of `process` in a worker) the IPC uses. */
export interface IpcEndpoint {
  readonly connected?: boolean;
  send(message: unknown, callback: (err: Error | null) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

/** What a worker asks the primary: run a store operation, or deliver a key notice to every worker. */
type Request = { sy: 'call'; object: string; method: string; args: unknown[] } | { sy: 'publish'; topic: string; payload: unknown };

type Message =
  | (Request & { id: number })
  | { sy: 'result'; id: number; value?: unknown; error?: string }
  | { sy: 'notice'; id: number; topic: string; payload: unknown }
  | { sy: 'delivered'; id: number };

interface Outbox {
  messages: Message[];
  failed: (() => void)[];
}
const outboxes = new WeakMap<IpcEndpoint, Outbox>();

/**
 * Queue a message for `to`. What is queued for one endpoint in one turn of the event loop goes
 * as one IPC message: under load that is many calls per pipe write and per (de)serialisation, not
 * one each. `failed` runs when the channel is closed (a worker that exited, a primary that died).
 */
function post(to: IpcEndpoint, message: Message, failed: () => void = () => {}): void {
  if (to.connected === false) return failed();
  let box = outboxes.get(to);
  if (!box) {
    const queued: Outbox = { messages: [], failed: [] };
    outboxes.set(to, (box = queued));
    setImmediate(() => {
      outboxes.delete(to);
      // With a callback, a send on a closed channel reports to it instead of raising an unhandled 'error' event.
      if (to.connected === false) return queued.failed.forEach((f) => f());
      to.send({ sy: 'batch', messages: queued.messages }, (err: Error | null) => {
        if (err) queued.failed.forEach((f) => f());
      });
    });
  }
  box.messages.push(message);
  box.failed.push(failed);
}

/** Call `handle` with every message of every batch `from` sends. */
function receive(from: IpcEndpoint, handle: (message: Message) => void): void {
  from.on('message', (batch) => {
    const { sy, messages } = (batch ?? {}) as { sy?: unknown; messages?: Message[] };
    if (sy === 'batch' && Array.isArray(messages)) for (const message of messages) handle(message);
  });
}

const LIMIT_METHODS = ['reserve', 'settle', 'renew', 'usage'] as const;
const KV_METHODS = ['get', 'set', 'delete', 'increment'] as const;
const FIGURES_METHODS = ['add', 'read', 'putLoad', 'readLoad'] as const;

/**
 * The worker side: stores whose operations run in the primary (see {@link hostSharedState}).
 * A call fails once the primary is gone, so each piece applies its store-outage policy.
 * @example const shared = workerSharedState(process); // in a cluster worker
 */
export function workerSharedState(primary: IpcEndpoint): SharedState {
  let nextId = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  const listeners = new Map<string, Set<(payload: unknown) => unknown>>();
  let connected = true;
  receive(primary, (message) => {
    if (message.sy === 'result') {
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(message.error));
      else call?.resolve(message.value);
    } else if (message.sy === 'notice') {
      const { id, topic, payload } = message;
      const applied = [...(listeners.get(topic) ?? [])].map(async (listener) => listener(payload));
      void Promise.allSettled(applied).then(() => post(primary, { sy: 'delivered', id }));
    }
  });
  primary.on('disconnect', () => {
    connected = false;
    for (const call of pending.values()) call.reject(new Error('the primary process is gone'));
    pending.clear();
  });
  const request = (message: Request) =>
    new Promise<unknown>((resolve, reject) => {
      if (!connected) return reject(new Error('the primary process is gone'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      post(primary, { ...message, id }, () => {
        pending.delete(id);
        reject(new Error('the primary process is gone'));
      });
    });
  function remote<T>(object: string, methods: readonly string[]): T {
    return Object.fromEntries(methods.map((method) => [method, (...args: unknown[]) => request({ sy: 'call', object, method, args })])) as T;
  }
  return {
    limitStore: (prefix) => remote<LimitStore>(`limit:${prefix}`, LIMIT_METHODS),
    keyValueStore: (prefix) => remote<KeyValueStore>(`kv:${prefix}`, KV_METHODS),
    figuresStore: () => remote<ProviderFiguresStore>('figures', FIGURES_METHODS),
    topic,
    keyChannel() {
      const keys = topic('keys');
      return {
        publish: (notice) => keys.publish(notice),
        subscribe: (listener) => keys.subscribe(listener as never),
        ready: async () => {},
        close: async () => {},
      };
    },
  };
  function topic(name: string): Topic {
    return {
      async publish(payload) {
        await request({ sy: 'publish', topic: name, payload });
      },
      subscribe(listener) {
        const set = listeners.get(name) ?? new Set();
        listeners.set(name, set);
        set.add(listener);
        return () => set.delete(listener);
      },
    };
  }
}

/** Options of {@link hostSharedState}. */
export interface HostSharedStateOptions {
  /** The live workers, to deliver key notices to. */
  workers(): Iterable<IpcEndpoint>;
  /** How long a key notice waits for every worker's receipt. Defaults to 2000. */
  deliveryTimeoutMs?: number;
  /** Defaults to a silent logger. */
  logger?: Logger;
}

/**
 * The primary side: answers the calls of one worker (call it for each worker as it is forked)
 * on stores kept in the primary's memory, and relays key notices to every worker, answering the
 * publisher once all have applied it.
 * @example const host = hostSharedState({ workers: () => Object.values(cluster.workers ?? {}) }); cluster.on('fork', host.serve);
 */
export function hostSharedState(options: HostSharedStateOptions) {
  const objects = new Map<string, Record<string, (...args: unknown[]) => Promise<unknown>>>();
  const deliveries = new Map<number, () => void>();
  let nextDelivery = 0;
  const timeoutMs = options.deliveryTimeoutMs ?? 2000;

  function object(name: string) {
    let found = objects.get(name);
    if (!found) {
      const store = name.startsWith('limit:')
        ? new MemoryLimitStore()
        : name.startsWith('kv:')
          ? new MemoryStore()
          : name === 'figures'
            ? memoryFiguresStore()
            : undefined;
      if (!store) return undefined;
      found = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      objects.set(name, found);
    }
    return found;
  }

  async function deliver(topic: string, payload: unknown): Promise<void> {
    const receipts = [...options.workers()].map(
      (worker) =>
        new Promise<void>((resolve) => {
          const id = nextDelivery++;
          const timer = setTimeout(done, timeoutMs);
          function done() {
            clearTimeout(timer);
            deliveries.delete(id);
            resolve();
          }
          deliveries.set(id, done);
          post(worker, { sy: 'notice', id, topic, payload }, done);
        }),
    );
    await Promise.all(receipts);
  }

  return {
    /** Answer this worker's calls. */
    serve(worker: IpcEndpoint): void {
      receive(worker, (message) => {
        if (message.sy === 'delivered') return deliveries.get(message.id)?.();
        if (message.sy !== 'call' && message.sy !== 'publish') return;
        const { id } = message;
        const run = async () => {
          if (message.sy === 'publish') return deliver(message.topic, message.payload);
          const target = object(message.object);
          if (typeof target?.[message.method] !== 'function') throw new Error(`no shared ${message.object}.${message.method}`);
          return target[message.method]!(...message.args);
        };
        run().then(
          (value) => post(worker, { sy: 'result', id, value }),
          (err: unknown) => {
            options.logger?.warn({ err: (err as Error)?.message }, 'shared state call failed');
            post(worker, { sy: 'result', id, error: String((err as Error)?.message ?? err) });
          },
        );
      });
    },
  };
}

/**
 * A catalog override store that tells every worker after each change, so their catalogs re-read
 * it (`onChange`) before the admin call that made the change is answered.
 * @example const store = announcingCatalogStore(sqliteCatalogStore(db), shared.topic('catalog'));
 */
export function announcingCatalogStore(store: CatalogOverrideStore, changes: Topic): CatalogOverrideStore {
  return {
    list: () => store.list(),
    async put(override) {
      await store.put(override);
      await changes.publish(null);
    },
    async delete(provider, model) {
      const removed = await store.delete(provider, model);
      await changes.publish(null);
      return removed;
    },
  };
}
