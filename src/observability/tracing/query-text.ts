/**
 * A query's text as a span may keep it: dollar-quoted constants (how the event store's group
 * commit sends an append's events, outbox messages and command results to its prepared
 * statements) become `?`, so no event data, and none of the personal data in it, reaches a
 * trace, and a span stays the size of the statement, not of the batch.
 */
export function redactQueryText(text: string): string {
  return text.replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g, '?');
}
