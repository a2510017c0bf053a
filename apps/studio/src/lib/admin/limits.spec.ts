import { describe, expect, it } from 'vitest';
import { parsePriority, parseUserLimit } from './limits';

describe('parsePriority', () => {
  it('takes whole numbers from -100 to 100', () => {
    expect(parsePriority('0')).toBe(0);
    expect(parsePriority(' 25 ')).toBe(25);
    expect(parsePriority('-100')).toBe(-100);
    expect(parsePriority('+7')).toBe(7);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '101', '-101', '2.5', 'high', '1e2']) expect(parsePriority(bad), bad).toBeNull();
  });
});

describe('parseUserLimit', () => {
  it("reads empty as the server's default and whole numbers from 1", () => {
    expect(parseUserLimit('')).toBeNull();
    expect(parseUserLimit('  ')).toBeNull();
    expect(parseUserLimit('3')).toBe(3);
  });

  it('refuses anything else', () => {
    for (const bad of ['0', '-1', '1.5', 'many', '100001']) expect(parseUserLimit(bad), bad).toBeUndefined();
  });
});
