// Waiting on a condition in a browser page under the map server's Content-Security-Policy.
// playwright's page.waitForFunction evaluates a string predicate with eval inside the page,
// which the CSP forbids (as it should); page.evaluate goes through the debugging protocol.

import type { Page } from 'playwright-core';

/** Polls `expression` in the page until it is truthy, or throws after `timeoutMs`. */
export async function waitForExpression(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // During a reload the page has no context to evaluate in for a moment: not yet, then.
    if (await page.evaluate(expression).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
