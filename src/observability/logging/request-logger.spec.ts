import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLogging } from './logging';
import { withRequestLogger } from './request-logger';

describe("Nest's Logger inside a request", () => {
  const lines: Record<string, unknown>[] = [];
  const logging = startLogging(
    { level: 'info', format: 'json' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const lineSaying = (msg: string) => lines.find((line) => line.msg === msg);

  it("writes with the request's logger, across awaits, and with the root logger outside", async () => {
    const requestLog = logging.root.child({ requestId: 'req-1', correlationId: 'cor-1' });
    await withRequestLogger(requestLog, async () => {
      await sleep(1);
      await Promise.resolve();
      new Logger('Deposits').log('applied');
    });
    new Logger('Relay').log('outside any request');

    expect(lineSaying('applied')).toMatchObject({
      requestId: 'req-1',
      correlationId: 'cor-1',
      context: 'Deposits',
    });
    expect(lineSaying('outside any request')).not.toHaveProperty('requestId');
  });

  it('keeps the lines of concurrent requests apart', async () => {
    await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        withRequestLogger(logging.root.child({ requestId: id }), async () => {
          await sleep(id === 'a' ? 5 : 1);
          new Logger('Concurrent').log(`line of ${id}`);
        }),
      ),
    );
    for (const id of ['a', 'b', 'c'])
      expect(lineSaying(`line of ${id}`)).toMatchObject({ requestId: id });
  });
});
