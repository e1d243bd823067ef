// Identity resolution (DATA-CONTRACT §1.5). PLACEHOLDER during development: the identity helper
// replaces this with the real implementation. Signature is the contract the import pipeline calls.
import type { EngagementDb } from './db/engine';

export interface IdentityReport {
  joined: Array<{ alias: string; user: string; method: string; detail: string | null }>;
  unmatched: Array<{ alias: string; seen_in: string }>;
}

/** Rebuilds `identities` from identity_map rows and the default joins, then rewrites `user` in every fact table. */
export async function resolveIdentities(_db: EngagementDb): Promise<IdentityReport> {
  return { joined: [], unmatched: [] };
}
