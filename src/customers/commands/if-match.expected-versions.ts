/** The expected versions of a customer write: If-Match applies to the customer's own stream. */
export const ifMatch = (
  streamId: string,
  expectedVersion: number | undefined,
): Record<string, number> | undefined =>
  expectedVersion === undefined ? undefined : { [streamId]: expectedVersion };
