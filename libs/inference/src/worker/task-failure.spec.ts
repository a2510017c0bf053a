import { describe, expect, it } from 'vitest';
import { MediaToolError } from '../media/ffmpeg';
import { TaskFailure, failureReason, knownFailureCodeOf, readFailureReason } from './task-failure';

describe('knownFailureCodeOf', () => {
  it('names what the error itself says, and nothing it would have to guess from wording', () => {
    expect(knownFailureCodeOf(new TaskFailure('model_failed', 'NaN at step 3'))).toBe('model_failed');
    expect(knownFailureCodeOf(Object.assign(new Error('x'), { failureCode: 'not_a_code' }))).toBeUndefined();
    expect(knownFailureCodeOf(Object.assign(new Error('x'), { code: 'EDQUOT' }))).toBe('disk_full');
    expect(knownFailureCodeOf(new MediaToolError('narration: espeak-ng exited with code 1', 1, []))).toBe('ffmpeg_failed');
    expect(knownFailureCodeOf(new Error('failed to render with the diffusion model x'))).toBeUndefined();
    expect(knownFailureCodeOf('a string')).toBeUndefined();
  });
});

describe('failure reasons as text', () => {
  it('round-trip the code and leave a reason without one as it is', () => {
    expect(readFailureReason(failureReason('clip_lost', 'scene 2: the clip arrived with 1 of 2 bytes'))).toEqual({ code: 'clip_lost', message: 'scene 2: the clip arrived with 1 of 2 bytes' });
    expect(readFailureReason(failureReason(undefined, '[draft] scene 1'))).toEqual({ message: '[draft] scene 1' });
    // Only a code the studio knows is read as one; the text stays whole otherwise.
    expect(readFailureReason('[nonsense_code] scene 1')).toEqual({ message: '[nonsense_code] scene 1' });
    expect(readFailureReason('[disk_full] line one\nline two')).toEqual({ code: 'disk_full', message: 'line one\nline two' });
  });
});
