import { redactQueryText } from './query-text';

describe('redactQueryText', () => {
  it('replaces each dollar-quoted constant, whatever its tag, by ?', () => {
    expect(
      redactQueryText(
        `BEGIN; EXECUTE ledgerline_append_v5($ll$[{"data":{"iban":"DE89"}}]$ll$, false)`,
      ),
    ).toBe('BEGIN; EXECUTE ledgerline_append_v5(?, false)');
    expect(redactQueryText(`EXECUTE r($ll0$ a $ll$ b $ll0$, $ll$c$ll$); COMMIT`)).toBe(
      'EXECUTE r(?, ?); COMMIT',
    );
    expect(redactQueryText('SELECT $$x$$, $1')).toBe('SELECT ?, $1');
  });

  it('leaves parameterised statements as they are', () => {
    const text = 'SELECT * FROM es_events WHERE stream_id = $1 AND stream_version > $2';
    expect(redactQueryText(text)).toBe(text);
  });
});
