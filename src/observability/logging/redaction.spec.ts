import { Logger } from '@nestjs/common';
import { startLogging } from './logging';
import { CENSOR, redactPersonalData } from './redaction';

describe('redaction of log lines', () => {
  it('censors personal data and credentials at the top level and two objects deep', () => {
    expect(
      redactPersonalData({
        name: 'Ada Lovelace',
        customer: { email: 'ada@example.com', address: { documentNumber: 'X123' } },
        headers: { Authorization: 'Bearer abc', 'Set-Cookie': 's=1', accept: 'json' },
        amount: 100,
      }),
    ).toEqual({
      name: CENSOR,
      customer: { email: CENSOR, address: { documentNumber: CENSOR } },
      headers: { Authorization: CENSOR, 'Set-Cookie': CENSOR, accept: 'json' },
      amount: 100,
    });
  });

  it('looks into arrays, and no deeper than two levels below the line', () => {
    expect(redactPersonalData({ rows: [{ token: 't' }, { id: 1 }] })).toEqual({
      rows: [{ token: CENSOR }, { id: 1 }],
    });
    const deep = { a: { b: { c: { password: 'p' } } } };
    expect(redactPersonalData(deep)).toBe(deep);
  });

  it('never changes the object it was handed, and returns it when nothing matched', () => {
    const logged = { customer: { name: 'Ada' }, id: 'c-1' };
    const redacted = redactPersonalData(logged);
    expect(logged.customer.name).toBe('Ada');
    expect(redacted).not.toBe(logged);
    const plain = { route: '/accounts/:id', status: 201, nested: { ok: true } };
    expect(redactPersonalData(plain)).toBe(plain);
  });

  it('leaves errors whole for the error serializer', () => {
    const error = new Error('boom');
    expect(redactPersonalData({ err: error }).err).toBe(error);
  });

  it("applies to every line the app's logger writes, not to lines below the level", () => {
    const lines: string[] = [];
    const logging = startLogging(
      { level: 'info', format: 'json' },
      { write: (line: string) => void lines.push(line) },
    );
    logging.root.info({ customer: { email: 'ada@example.com' } }, 'registered');
    logging.root.child({ requestId: 'r-1' }).warn({ token: 'secret-token' }, 'refused');
    new Logger('Customers').log({ msg: 'nested', document_number: 'X123' });

    expect(lines).toHaveLength(3);
    const written = lines.join('');
    for (const secret of ['ada@example.com', 'secret-token', 'X123'])
      expect(written).not.toContain(secret);
    expect(written.split(CENSOR)).toHaveLength(4);
  });
});
