import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/core/rate-limit.js';
import { FtpError } from '../../src/protocol/errors.js';

/** A clock the test moves by hand. */
function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('RateLimiter (token bucket, fake clock)', () => {
  it('lets a twentieth of a second through at once, then asks to wait what the debt costs', () => {
    const clock = fakeClock();
    const bucket = new RateLimiter(100_000, clock.now); // burst: 5 000 bytes
    expect(bucket.take(5_000)).toBe(0);
    // 10 000 bytes in debt at 100 000 B/s: 100 ms.
    expect(bucket.take(10_000)).toBe(100);
    clock.advance(100);
    expect(bucket.take(0)).toBe(0);
  });

  it('refills at the rate, never above the burst: idling earns no big burst later', () => {
    const clock = fakeClock();
    const bucket = new RateLimiter(100_000, clock.now);
    bucket.take(5_000);
    clock.advance(60_000); // a minute idle
    expect(bucket.take(5_000)).toBe(0);
    expect(bucket.take(1_000)).toBe(10);
  });

  it('one budget for several takers: their waits add up to the total at the rate', () => {
    const clock = fakeClock();
    const bucket = new RateLimiter(1_000_000, clock.now); // burst 50 000
    bucket.take(50_000);
    // Four connections each move 250 000 bytes at the same moment.
    const waits = [1, 2, 3, 4].map(() => bucket.take(250_000));
    expect(waits).toEqual([250, 500, 750, 1000]);
    // Over the last wait, 1 000 000 bytes went for 1 s of budget: the rate, not four times it.
    clock.advance(1000);
    expect(bucket.take(0)).toBe(0);
  });

  it('moves a steady stream at the rate within 1 % over 10 s of fake time', () => {
    const clock = fakeClock();
    const bucket = new RateLimiter(2 * 1024 * 1024, clock.now);
    let moved = 0;
    while (clock.now() < 10_000) {
      const wait = bucket.take(65_536);
      moved += 65_536;
      clock.advance(Math.max(wait, 1));
    }
    expect(moved / 10).toBeGreaterThan(2 * 1024 * 1024 * 0.99);
    expect(moved / 10).toBeLessThan(2 * 1024 * 1024 * 1.01);
  });

  it('reads in small chunks: a fiftieth of a second, at least 4 KiB', () => {
    expect(new RateLimiter(2 * 1024 * 1024).chunkBytes).toBe(Math.floor((2 * 1024 * 1024) / 50));
    expect(new RateLimiter(1000).chunkBytes).toBe(4096);
  });

  it('refuses a rate that is not a positive number, as kind argument', () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) {
      expect(() => new RateLimiter(bad)).toThrow(FtpError);
      try {
        new RateLimiter(bad);
      } catch (err) {
        expect((err as FtpError).kind).toBe('argument');
      }
    }
  });
});
