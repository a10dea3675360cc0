/** The chat core with every feature, ready for adapters. */
import { ChatCore, type CoreOptions } from './core';
import { help } from './features/help';
import { linking } from './features/link';
import { groupLife } from './features/group-life';
import { reporting } from './features/report';
import { rollups } from './features/rollup';
import { reopening } from './features/reopen';
import { membership } from './features/membership';
import { later } from './features/later';
import { identityLink } from './features/identity';
import { rosterClaim } from './features/claim';
import { invites } from './features/invite';
import type { Feature } from './feature';

export const FEATURES: Feature[] = [help, linking, groupLife, reporting, rollups, reopening, identityLink, rosterClaim, invites, later, membership];

export function createChatCore(opts: Omit<CoreOptions, 'features'> & { features?: Feature[] }): ChatCore {
  return new ChatCore({ ...opts, features: opts.features ?? FEATURES });
}

export { ChatCore };
