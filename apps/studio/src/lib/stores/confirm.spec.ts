import { describe, expect, it } from 'vitest';
import { confirmation } from './confirm.svelte';

const req = (title: string) => ({ title, message: 'm', confirmLabel: 'Do it', danger: true });

describe('confirmation', () => {
  it('resolves with the answer and closes', async () => {
    const asked = confirmation.ask(req('one'));
    expect(confirmation.current?.title).toBe('one');
    confirmation.answer(true);
    await expect(asked).resolves.toBe(true);
    expect(confirmation.current).toBeNull();
  });

  it('a new question cancels the one still open', async () => {
    const first = confirmation.ask(req('first'));
    const second = confirmation.ask(req('second'));
    await expect(first).resolves.toBe(false);
    expect(confirmation.current?.title).toBe('second');
    confirmation.answer(false);
    await expect(second).resolves.toBe(false);
  });
});
