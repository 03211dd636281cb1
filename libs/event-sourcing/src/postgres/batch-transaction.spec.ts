import { dollarQuoted } from './batch-transaction';

describe('dollarQuoted', () => {
  it('wraps text in a tag it does not contain', () => {
    expect(dollarQuoted('{"a":1}')).toBe('$ll${"a":1}$ll$');
    expect(dollarQuoted('x $ll$ y')).toBe('$ll0$x $ll$ y$ll0$');
    expect(dollarQuoted('$ll$ and $ll0$')).toBe('$ll1$$ll$ and $ll0$$ll1$');
  });
});
