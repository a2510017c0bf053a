import { describe, expect, it } from 'vitest';
import { csvFields } from './csv';

describe('csvFields', () => {
  it('splits on commas, trims, and keeps quoted commas and doubled quotes', () => {
    expect(csvFields('赌博, gambling ,block')).toEqual(['赌博', 'gambling', 'block']);
    expect(csvFields('"a, b",cat,"say ""hi"""')).toEqual(['a, b', 'cat', 'say "hi"']);
    expect(csvFields('only')).toEqual(['only']);
  });
});
