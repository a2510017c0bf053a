import { afterAll, beforeAll } from 'vitest';
import { defaultTestDatabase } from '../../src/testing/test-app';
import { bootSuite, closeSuite, type Suite } from './fixtures';
import { crossUserMatrix } from './matrix';
import { tokenTampering } from './tokens';
import { pathTraversal } from './traversal';

/**
 * Issue 15 item 3, the security suite's access checks on one running app (one boot and one
 * render for all three, to keep the suite short on both databases): the cross-user matrix over
 * every route, path traversal on every file route, and token tampering, expiry and revocation.
 * They run in this order; the token checks, which end and disable sessions, come last.
 * logs.spec.ts, which needs a logger of its own from boot, runs apart.
 */
let suite: Suite | undefined;
beforeAll(async () => {
  suite = await bootSuite(defaultTestDatabase());
}, 180_000);
afterAll(() => closeSuite(suite));

const current = () => suite!;
crossUserMatrix(current);
pathTraversal(current);
tokenTampering(current);
