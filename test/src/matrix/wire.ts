/** What a provider's wire module gets to answer and to check one matrix cell. */
import type { RecordedRequest, Reply } from '../support/upstream.js';
import type { Meaning, Scenario } from './scenarios.js';

export type ClientKind = 'openai-sdk' | 'anthropic-sdk';

export interface CellContext {
  scenario: Scenario;
  client: ClientKind;
  /** The upstream is asked to stream. */
  stream: boolean;
  /** The model name the upstream must receive. */
  model: string;
  /** The id the upstream must see on the earlier tool call (tool-result scenario). */
  priorCallId: string;
}

export interface Wire {
  /** The upstream's answer, in its own format, meaning `meaning`. */
  reply(meaning: Meaning, ctx: CellContext): Reply;
  /** Assert the recorded body is this provider's request shape for the scenario. */
  checkBody(request: RecordedRequest, ctx: CellContext): void;
  /** Tool-call ids the answer carries (the client must get these), or undefined when the format has none. */
  toolCallIds?: string[];
  /** Text the format puts in a slot the adapter drops by design (Cohere's tool_plan). */
  textDroppedWithTools?: boolean;
}
