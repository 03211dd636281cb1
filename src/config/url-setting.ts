/**
 * A URL-valued setting: undefined when unset or empty, else the raw text once it parses as a
 * URL with one of `schemes` (e.g. `['amqp', 'amqps']`); anything else stops the start.
 */
export function parseUrlSetting(
  name: string,
  raw: string | undefined,
  schemes: readonly string[],
): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  if (!schemes.includes(url.protocol.replace(/:$/, '')))
    throw new Error(
      `${name} must start with ${schemes.map((scheme) => `${scheme}://`).join(' or ')}, got ${url.protocol}//`,
    );
  return raw;
}
