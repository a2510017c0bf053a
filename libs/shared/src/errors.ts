/**
 * Every machine code an error answer of the API may carry in `code`: stable names the studio
 * translates (the English `message` beside it is detail, for logs and curious users). The first
 * group is what an answer gets from its status alone when its throw site names nothing more
 * precise (see genericErrorCode); the rest are named where the error is thrown.
 */
export const API_ERROR_CODES = [
  // From the status alone.
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'range_not_satisfiable',
  'unprocessable',
  'too_many_requests',
  'internal',
  'unavailable',
  // Requests the server could not read or that failed validation (`issues` names the fields).
  'invalid_input',
  'invalid_json',
  'prompt_empty',
  'prompt_too_long',
  // Signing in, sessions and accounts.
  'login_failed',
  'login_throttled',
  'password_wrong',
  'password_throttled',
  'session_not_found',
  'admin_only',
  'user_not_found',
  'username_taken',
  'admin_self_change',
  // Projects, members and the storyboard.
  'project_not_found',
  'project_read_only',
  'owner_only',
  'member_not_found',
  'already_member',
  'last_owner',
  'storyboard_missing',
  'storyboard_invalid',
  'storyboard_too_large',
  'scene_not_found',
  'scene_locked',
  'scene_moved',
  'scene_empty',
  'scenes_full',
  'no_next_scene',
  'nothing_to_merge',
  'scene_edit_invalid',
  // The language model behind rewrite, split, merge and planning.
  'model_missing',
  'model_failed',
  // Versions.
  'version_not_found',
  'version_delete_forbidden',
  'versions_full',
  // Renders, tasks and takes.
  'task_not_found',
  'task_not_yours',
  'task_not_retryable',
  'task_finished',
  'task_changed',
  'video_not_ready',
  'video_missing',
  'still_missing',
  'queue_full',
  'render_running',
  'take_not_found',
  'take_mismatch',
  // Uploads (scene pictures and clips, music).
  'file_missing',
  'file_too_large',
  'file_type_unsupported',
  'file_unreadable',
  'media_not_found',
  'track_not_found',
  // The content filter.
  'content_blocked',
  'filter_rule_exists',
  'filter_rule_not_found',
  'review_not_found',
  'review_decided',
  // Render workers.
  'worker_token_exists',
  'worker_token_not_found',
  // The server's own disk (DATA_DIR) has no space left for what the request would store (507).
  'disk_full',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/**
 * The values an answer with this code carries in `params`, for its translated message
 * ("scene {scene} is locked"). Codes not listed carry none.
 */
export const API_ERROR_PARAMS = {
  prompt_too_long: ['max'],
  login_throttled: ['seconds'],
  password_throttled: ['seconds'],
  already_member: ['username'],
  username_taken: ['username'],
  scene_locked: ['scene'],
  scenes_full: ['max'],
  versions_full: ['max'],
  queue_full: ['queued', 'max'],
  task_not_retryable: ['status'],
  task_finished: ['status'],
} as const satisfies Partial<Record<ApiErrorCode, readonly string[]>>;

/** The names of the params an answer with code C carries (never for most codes). */
export type ApiErrorParamName<C extends ApiErrorCode> = C extends keyof typeof API_ERROR_PARAMS ? (typeof API_ERROR_PARAMS)[C][number] : never;
export type ApiErrorParams<C extends ApiErrorCode> = { [K in ApiErrorParamName<C>]: string | number };

/** The params an answer with this code carries ([] for most). */
export function apiErrorParamNames(code: ApiErrorCode): readonly string[] {
  return (API_ERROR_PARAMS as Partial<Record<ApiErrorCode, readonly string[]>>)[code] ?? [];
}

const CODES: ReadonlySet<string> = new Set(API_ERROR_CODES);

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** The code an error answer gets from its status when nothing more precise was named. */
export function genericErrorCode(status: number): ApiErrorCode {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 416:
      return 'range_not_satisfiable';
    case 422:
      return 'unprocessable';
    case 429:
      return 'too_many_requests';
    case 502:
    case 503:
    case 504:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal' : 'bad_request';
  }
}

/** The body of every error answer of the API (4xx and 5xx alike). */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string;
  /**
   * The stable machine code (API_ERROR_CODES) for the studio's translations; the server always
   * sends one, from its status when the throw site named none. Optional here because a proxy's
   * answer or an older server may lack it.
   */
  code?: string;
  /** Values the translated message of `code` names (see API_ERROR_PARAMS). */
  params?: Record<string, string | number>;
  /** Per-field messages when a body failed validation. */
  issues?: { path: string; message: string }[];
  /** `content_blocked`: the category and the span of the text that was blocked (see FilterBlockedError). */
  category?: string;
  span?: { start: number; end: number; text: string };
  scenes?: { scene_id: string; scene_number: number; field: string; category: string; start: number; end: number; text: string }[];
}
