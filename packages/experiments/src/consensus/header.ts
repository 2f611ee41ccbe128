import { proportionInterval } from '../stats.js';
import type { ConsensusMethod } from './agreement.js';

/** The response header describing how a consensus answer was chosen. */
export const CONSENSUS_HEADER = 'x-switchyard-consensus';

/** What the header reports. */
export interface ConsensusSummary {
  /** Answers in the winning group. */
  votes: number;
  /** Targets that answered (took part in the vote). */
  answered: number;
  /** Targets that failed (excluded from the vote). */
  failed: number;
  method: Exclude<ConsensusMethod, 'auto'>;
  /** Fewer than the quorum answered: the best available answer was returned. */
  quorumMet: boolean;
  /** The judge's score of the chosen answer (`judge` method). */
  score?: number;
}

const fixed = (n: number) => n.toFixed(2);

/**
 * The `x-switchyard-consensus` value: `;`-separated `name=value` pairs, always in this order:
 * `agreement` (votes / answered, two decimals), `votes` (`<votes>/<answered>`), `ci95` (Wilson
 * 95% interval of the agreement, `<low>-<high>`), `method` (`exact`, `normalised`, `json`,
 * `embedding`, `judge`), `failed` (targets that errored); then `score` (the judge's score of the
 * chosen answer, `judge` only) and `quorum=unmet` when too few answered.
 * @example consensusHeader({ votes: 2, answered: 3, failed: 0, method: 'normalised', quorumMet: true })
 * // 'agreement=0.67; votes=2/3; ci95=0.21-0.94; method=normalised; failed=0'
 */
export function consensusHeader(s: ConsensusSummary): string {
  const ci = proportionInterval(s.votes, s.answered) ?? { low: 0, high: 1 };
  const parts = [
    `agreement=${fixed(s.answered === 0 ? 0 : s.votes / s.answered)}`,
    `votes=${s.votes}/${s.answered}`,
    `ci95=${fixed(ci.low)}-${fixed(ci.high)}`,
    `method=${s.method}`,
    `failed=${s.failed}`,
  ];
  if (s.score !== undefined) parts.push(`score=${fixed(s.score)}`);
  if (!s.quorumMet) parts.push('quorum=unmet');
  return parts.join('; ');
}
