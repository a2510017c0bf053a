import { describe, expect, it } from 'vitest';
import { compareStoryboards, type ComparableScene } from './compare';

const scene = (id: string, description = id): ComparableScene => ({
  id,
  description,
  subtitle: '',
  camera: { shot: 'wide', move: 'static', speed: 1 },
  duration_sec: 4,
  transition: 'cut',
  locked: false,
});

describe('compareStoryboards', () => {
  it('finds nothing between equal storyboards', () => {
    const sb = { title: 'T', scenes: [scene('a'), scene('b')] };
    expect(compareStoryboards(sb, sb)).toEqual({ titleChanged: null, changes: [] });
  });

  it('reports added, removed and changed scenes and a new title', () => {
    const version = { title: '旧', scenes: [scene('a'), scene('b'), scene('c')] };
    const current = { title: '新', scenes: [scene('a', '改过'), scene('c'), scene('d')] };
    const r = compareStoryboards(version, current);
    expect(r.titleChanged).toEqual({ from: '旧', to: '新' });
    expect(r.changes).toEqual([
      { kind: 'changed', id: 'a', position: 1, fields: ['description'], description: '改过' },
      { kind: 'removed', id: 'b', position: 2, fields: [], description: 'b' },
      { kind: 'added', id: 'd', position: 3, fields: [], description: 'd' },
    ]);
  });

  it('tells a move from a shift caused by an insert', () => {
    const shifted = compareStoryboards({ title: '', scenes: [scene('a'), scene('b')] }, { title: '', scenes: [scene('x'), scene('a'), scene('b')] });
    expect(shifted.changes.map((c) => c.kind)).toEqual(['added']);
    const moved = compareStoryboards({ title: '', scenes: [scene('a'), scene('b'), scene('c')] }, { title: '', scenes: [scene('c'), scene('a'), scene('b')] });
    expect(moved.changes.filter((c) => c.kind === 'moved').map((c) => c.id)).toContain('c');
  });

  it('notices camera changes', () => {
    const cur = { ...scene('a'), camera: { shot: 'wide', move: 'pan-left', speed: 1 } };
    expect(compareStoryboards({ title: '', scenes: [scene('a')] }, { title: '', scenes: [cur] }).changes[0].fields).toEqual(['camera']);
  });
});
