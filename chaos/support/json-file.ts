import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/**
 * Writes one JSON object whose big arrays are streamed item by item: a long run's history
 * (hundreds of thousands of attempts) would not fit in one JSON.stringify string.
 */
export async function writeJsonFile(
  path: string,
  head: Readonly<Record<string, unknown>>,
  arrays: Readonly<Record<string, readonly unknown[]>>,
): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const fields = Object.entries(head).map(
    ([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`,
  );
  await write(`{${fields.join(',')}`);
  for (const [key, items] of Object.entries(arrays)) {
    await write(`,${JSON.stringify(key)}:[`);
    for (const [index, item] of items.entries())
      await write(`${index ? ',' : ''}${JSON.stringify(item)}`);
    await write(']');
  }
  await write('}\n');
  out.end();
  await once(out, 'finish');
}
