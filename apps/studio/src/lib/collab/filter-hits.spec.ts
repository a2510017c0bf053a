import type { DocumentFilterHit } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { countByAction, fieldKey, groupByField, parseField } from './filter-hits';

const hit = (scene_id: string | null, field: string, start = 0, end = 2, action: DocumentFilterHit['action'] = 'block'): DocumentFilterHit => ({
  scene_id,
  field,
  start,
  end,
  category: 'gambling',
  action,
});

describe('parseField', () => {
  it('reads every field the server names', () => {
    expect(parseField('s1', 'description')).toEqual({ kind: 'scene', sceneId: 's1', field: 'description' });
    expect(parseField('s1', 'subtitle')).toEqual({ kind: 'scene', sceneId: 's1', field: 'subtitle' });
    expect(parseField('s1', 'comment:c-1')).toEqual({ kind: 'comment', sceneId: 's1', commentId: 'c-1' });
    expect(parseField(null, 'title')).toEqual({ kind: 'storyboard', field: 'title' });
    expect(parseField(null, 'style_prompt')).toEqual({ kind: 'storyboard', field: 'style_prompt' });
    expect(parseField(null, 'character:ch-1:name')).toEqual({ kind: 'character', characterId: 'ch-1', field: 'name' });
    expect(parseField(null, 'character:ch-1:description')).toEqual({ kind: 'character', characterId: 'ch-1', field: 'description' });
  });

  it('knows nothing of a field it does not show, or one named on the wrong level', () => {
    expect(parseField('s1', 'music')).toBeNull();
    expect(parseField(null, 'description')).toBeNull();
    expect(parseField('s1', 'title')).toBeNull();
    expect(parseField(null, 'character:ch-1')).toBeNull();
  });
});

describe('groupByField', () => {
  it('groups hits by scene and field, keeping their order', () => {
    const hits = [hit('s1', 'description', 0, 2), hit('s2', 'description'), hit('s1', 'subtitle'), hit('s1', 'description', 5, 7), hit(null, 'title')];
    const groups = groupByField(hits);
    expect([...groups.keys()]).toEqual([fieldKey('s1', 'description'), fieldKey('s2', 'description'), fieldKey('s1', 'subtitle'), fieldKey(null, 'title')]);
    expect(groups.get(fieldKey('s1', 'description'))!.map((h) => h.start)).toEqual([0, 5]);
    expect(groupByField([]).size).toBe(0);
  });
});

describe('countByAction', () => {
  it('counts every action, zero for those absent', () => {
    expect(countByAction([hit('s', 'description'), hit('s', 'subtitle'), hit('s', 'subtitle', 3, 4, 'review')])).toEqual({ block: 2, mask: 0, review: 1 });
  });
});
