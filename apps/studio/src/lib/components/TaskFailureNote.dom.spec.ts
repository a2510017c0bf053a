/**
 * A failed render as the task list shows it (happy-dom, Svelte's client build): the reason in the
 * interface language from its failure code, the server's English words only behind the disclosure.
 */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { i18n } from '$lib/i18n/index.svelte';
import TaskFailureNote from './TaskFailureNote.svelte';

const mounted: Record<string, unknown>[] = [];
afterEach(() => {
  for (const c of mounted.splice(0)) unmount(c);
  document.body.innerHTML = '';
  i18n.lang = 'en';
});

function show(failure: { failure_code?: string | null; error: string | null }): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  mounted.push(mount(TaskFailureNote, { target, props: { failure, frame: 'task_error' } }));
  flushSync();
  return target;
}

describe('TaskFailureNote', () => {
  const oom = { failure_code: 'out_of_memory', error: 'scene 2: the render worker exceeded its memory limit (512 MB)' };

  it('says why in Chinese and keeps the server’s words behind 服务器原文', () => {
    i18n.lang = 'zh';
    const root = show(oom);
    const note = root.querySelector('[data-testid="task-error"]')!;
    expect(note.getAttribute('data-code')).toBe('out_of_memory');
    expect(note.querySelector('.text')!.textContent).toContain('渲染进程内存不足');
    expect(note.querySelector('.text')!.textContent).not.toContain('memory limit');
    const details = note.querySelector('details')!;
    expect(details.open).toBe(false);
    expect(details.querySelector('summary')!.textContent).toBe('服务器原文');
    expect(root.querySelector('[data-testid="task-error-detail"]')!.textContent).toBe(oom.error);
  });

  it('follows the interface language, and shows no disclosure when the server said nothing', () => {
    const root = show(oom);
    expect(root.querySelector('.text')!.textContent).not.toContain('渲染进程内存不足');
    expect(root.querySelector('summary')!.textContent).toBe("Server's words");
    const bare = show({ failure_code: 'cancelled', error: null });
    expect(bare.querySelector('details')).toBeNull();
  });
});
