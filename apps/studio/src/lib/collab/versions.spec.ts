import { ASPECTS } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { en } from '$lib/i18n/en';
import { formatDateTime } from '$lib/format';
import { aspectLabelKey, versionLabel } from './versions';

describe('version labels', () => {
  const at = '2026-12-07T14:03:27.000Z';

  it('names a version a render saved by its time, in the reader’s language', () => {
    expect(versionLabel({ kind: 'render', name: 'Render 2026-12-07 14:03 UTC', created_at: at }, 'en')).toBe(`Render of ${formatDateTime(at, 'en')}`);
    expect(versionLabel({ kind: 'render', name: 'Render 2026-12-07 14:03 UTC', created_at: at }, 'zh')).toBe(`渲染于 ${formatDateTime(at, 'zh')}`);
  });

  it('keeps the name someone gave a version', () => {
    expect(versionLabel({ kind: 'saved', name: 'Final cut', created_at: at }, 'zh')).toBe('Final cut');
  });

  it('has a label for every aspect preset', () => {
    for (const a of ASPECTS) expect(en[aspectLabelKey(a) as keyof typeof en], a).toMatch(a);
  });
});
