import { describe, expect, it } from 'vitest';
import { summariseAudit } from './audit';

describe('summariseAudit', () => {
  it('lists a filter hit\'s matches and keeps the other detail as pairs', () => {
    const s = summariseAudit({
      detail: { stage: 'prompt', where: 'POST /api/tasks', matches: [{ rule_id: 'r1', category: 'gambling', action: 'block', start: 3, end: 5, text: '赌博' }, { nonsense: true }] },
    });
    expect(s.hits).toEqual([{ category: 'gambling', action: 'block', text: '赌博' }]);
    expect(s.fields).toEqual([
      { key: 'stage', value: 'prompt' },
      { key: 'where', value: 'POST /api/tasks' },
    ]);
  });

  it('shows objects as JSON, drops empty values and shortens long ones', () => {
    const s = summariseAudit({ detail: { role: 'admin', disabled: false, note: '', changes: { enabled: true }, long: 'x'.repeat(300) } });
    expect(s.hits).toEqual([]);
    expect(s.fields.slice(0, 3)).toEqual([
      { key: 'role', value: 'admin' },
      { key: 'disabled', value: 'false' },
      { key: 'changes', value: '{"enabled":true}' },
    ]);
    expect(s.fields[3].value).toHaveLength(120);
    expect(s.fields[3].value.endsWith('…')).toBe(true);
  });
});
