import { HttpException, HttpStatus, ParseUUIDPipe, type PipeTransform } from '@nestjs/common';
import { apiError } from './api-error';

/** A path id that is not a UUID names nothing: 404, like any unknown id (nobody learns which ids exist). */
export const uuidParam = (what = 'not found') => new ParseUUIDPipe({ exceptionFactory: () => new HttpException(what, HttpStatus.NOT_FOUND) });

/** A storyboard scene id (libs/shared's id pattern); anything else names no scene. */
export const sceneIdParam: PipeTransform<string, string> = {
  transform(value: string) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw apiError(404, 'scene_not_found', 'no such scene');
    return value;
  },
};
