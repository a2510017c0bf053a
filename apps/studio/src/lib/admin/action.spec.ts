import { describe, expect, it } from 'vitest';
import { Action } from './action.svelte';

describe('Action', () => {
  it('is busy while the work runs and keeps the error of a failure', async () => {
    const a = new Action();
    let release = () => {};
    const running = a.run(() => new Promise<void>((r) => (release = r)));
    expect(a.busy).toBe(true);
    expect(await a.run(async () => {})).toBe(false); // one at a time
    release();
    expect(await running).toBe(true);
    expect(a.busy).toBe(false);
    expect(await a.run(() => Promise.reject(new Error('refused')))).toBe(false);
    expect(a.error).toBe('refused');
    await a.run(async () => {});
    expect(a.error).toBeNull();
  });
});
