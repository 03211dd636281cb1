import { randomBytes } from 'node:crypto';
import { CheckpointFields, CheckpointSigner } from './checkpoint-signer';

const checkpoint: CheckpointFields = {
  sequence: 3,
  transactionId: '9001',
  globalPosition: '4200',
  events: 4_100,
  digest: randomBytes(32),
};

describe('CheckpointSigner', () => {
  const signer = new CheckpointSigner(randomBytes(32));

  it('verifies its own signature', () => {
    expect(signer.verify(checkpoint, signer.sign(checkpoint))).toBe(true);
  });

  it('refuses the signature once any signed field changed', () => {
    const signature = signer.sign(checkpoint);
    for (const changed of [
      { sequence: 4 },
      { transactionId: '9002' },
      { globalPosition: '4201' },
      { events: 4_099 },
      { digest: randomBytes(32) },
    ])
      expect(signer.verify({ ...checkpoint, ...changed }, signature)).toBe(false);
  });

  it("refuses another key's signature, and a truncated one", () => {
    const other = new CheckpointSigner(randomBytes(32));
    expect(signer.verify(checkpoint, other.sign(checkpoint))).toBe(false);
    expect(signer.verify(checkpoint, signer.sign(checkpoint).subarray(0, 16))).toBe(false);
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => new CheckpointSigner(randomBytes(31))).toThrow(RangeError);
  });
});
