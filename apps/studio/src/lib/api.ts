/**
 * The studio's REST client. Every call sends the bearer token kept in localStorage and the
 * session cookie (same origin), so both authentication paths work; the cookie is also what
 * authenticates <video> requests, which cannot carry a header.
 */
import type {
  AddMemberBody,
  Aspect,
  AuditEntryView,
  AuditKind,
  BatchCreateTasksBody,
  BatchCreateTasksResponse,
  CreateTaskBody,
  RenderHistoryItem,
  CreateFilterRuleBody,
  CreateUserBody,
  FilterRuleView,
  FilterStage,
  ImportFilterRulesBody,
  ImportFilterRulesResponse,
  ModelsView,
  ReviewItemView,
  SystemStatusView,
  QueueView,
  Storyboard,
  TakeView,
  TaskStatus,
  TestFilterResponse,
  UpdateFilterRuleBody,
  UpdateUserBody,
  CreateProjectBody,
  CreateTaskResponse,
  CreateVersionBody,
  LoginResponse,
  Page,
  ProjectDiskView,
  ProjectMemberView,
  ProjectRole,
  ProjectSummary,
  ProjectView,
  RestoreVersionResult,
  RewriteSceneBody,
  SessionView,
  SceneEditResult,
  StoryboardDiff,
  TaskView,
  ModelCapabilities,
  UserView,
  VersionView,
  IssuedWorkerToken,
  WorkerTokenView,
  WorkerView,
} from '@reelcraft/shared';
import { ApiRequestError, networkError, toApiError } from './api-errors';
import { describeError, errorLine, type DescribedError } from './error-messages';
import { queryString } from './admin/query';
import { i18n } from './i18n/index.svelte';

export { ApiRequestError } from './api-errors';
export type { DescribedError } from './error-messages';

/**
 * An error on one line in the interface language: the message of the server's error code (the
 * content filter's refusal with what it blocked), and the server's English words beside it only
 * where the message alone says little (which field, which rule). ErrorNote shows the detail apart.
 */
export function errorText(err: unknown): string {
  return errorLine(err, i18n.lang);
}

/** The error's message in the interface language and, apart, the server's own words. */
export function describeApiError(err: unknown): DescribedError {
  return describeError(err, i18n.lang);
}

/** A finished task's subtitles beside its video (the session cookie signs the link). */
export function subtitlesUrl(taskId: string, format: 'srt' | 'vtt'): string {
  return `/api/tasks/${encodeURIComponent(taskId)}/subtitles.${format}`;
}

/** A finished task's still. */
export function posterUrl(taskId: string): string {
  return `/api/tasks/${encodeURIComponent(taskId)}/poster.jpg`;
}


export type ReviewStatus = ReviewItemView['status'];
export type ExportFormat = 'lines' | 'csv';

/** `GET /api/admin/filter-rules/export`: a plain link downloads it (the session cookie signs it). */
export function filterRulesExportUrl(format: ExportFormat): string {
  return `/api/admin/filter-rules/export${queryString({ format })}`;
}

const TOKEN_KEY = 'reelcraft.token';
const EXPIRES_KEY = 'reelcraft.token_expires_at';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function getToken(): string | null {
  const s = storage();
  if (!s) return null;
  const token = s.getItem(TOKEN_KEY);
  const expires = s.getItem(EXPIRES_KEY);
  if (token && expires && Date.parse(expires) <= Date.now()) {
    clearToken();
    return null;
  }
  return token;
}

export function setToken(login: LoginResponse): void {
  const s = storage();
  if (!s) return;
  s.setItem(TOKEN_KEY, login.token);
  if (login.expires_at) s.setItem(EXPIRES_KEY, login.expires_at);
  else s.removeItem(EXPIRES_KEY);
}

export function clearToken(): void {
  const s = storage();
  s?.removeItem(TOKEN_KEY);
  s?.removeItem(EXPIRES_KEY);
}

type UnauthorizedHandler = (err: ApiRequestError) => void;
let onUnauthorized: UnauthorizedHandler | null = null;

/** Called on every 401 (except from login itself); the layout uses it to go to the login page. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler;
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A 401 is an expected answer here (login): do not treat it as an expired session. */
  allowUnauthorized?: boolean;
  signal?: AbortSignal;
}

async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw networkError(e);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    const err = toApiError(res.status, text, res.headers.get('Retry-After'));
    if (res.status === 401 && !opts.allowUnauthorized) {
      clearToken();
      onUnauthorized?.(err);
    }
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  async login(username: string, password: string): Promise<LoginResponse> {
    const res = await request<LoginResponse>('/api/users/login', {
      method: 'POST',
      body: { username, password },
      allowUnauthorized: true,
    });
    setToken(res);
    return res;
  },
  async logout(): Promise<void> {
    try {
      await request<void>('/api/users/logout', { method: 'POST', allowUnauthorized: true });
    } finally {
      clearToken();
    }
  },
  me(opts: { allowUnauthorized?: boolean } = {}): Promise<UserView> {
    return request<UserView>('/api/users/me', opts);
  },
  /** The user's own password; the account's other sessions end. */
  changePassword(current: string, next: string): Promise<void> {
    return request<void>('/api/users/me/password', { method: 'POST', body: { current_password: current, new_password: next } });
  },
  mySessions(): Promise<SessionView[]> {
    return request<SessionView[]>('/api/users/me/sessions');
  },
  endSession(id: string): Promise<void> {
    return request<void>(`/api/users/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
  },
  listTasks(page = 1, pageSize = 20, signal?: AbortSignal): Promise<Page<TaskView>> {
    const q = new URLSearchParams({ page: String(page), page_size: String(pageSize) });
    return request<Page<TaskView>>(`/api/tasks?${q}`, { signal });
  },
  /** `aspect`: the video's frame preset; left out, the server's render size. */
  createTask(prompt: string, frame: { aspect?: Aspect } = {}): Promise<CreateTaskResponse> {
    return request<CreateTaskResponse>('/api/tasks', { method: 'POST', body: { prompt, ...frame } satisfies CreateTaskBody });
  },
  createTasks(prompts: string[], frame: { aspect?: Aspect } = {}): Promise<BatchCreateTasksResponse> {
    return request<BatchCreateTasksResponse>('/api/tasks/batch', { method: 'POST', body: { prompts, ...frame } satisfies BatchCreateTasksBody });
  },
  getTask(id: string, signal?: AbortSignal): Promise<TaskView> {
    return request<TaskView>(`/api/tasks/${encodeURIComponent(id)}`, { signal });
  },
  cancelTask(id: string): Promise<TaskView> {
    return request<TaskView>(`/api/tasks/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
  },
  deleteTask(id: string): Promise<void> {
    return request<void>(`/api/tasks/${encodeURIComponent(id)}`, { method: 'DELETE' });
  },
  /** A failed or cancelled task back to the queue (its starter or an admin); scenes already drawn are reused. */
  retryTask(id: string): Promise<TaskView> {
    return request<TaskView>(`/api/tasks/${encodeURIComponent(id)}/retry`, { method: 'POST' });
  },

  // Admin console (admins only; others get 403) -------------------------------------------------
  listUsers(q: { page: number; page_size: number; q?: string }, signal?: AbortSignal): Promise<Page<UserView>> {
    return request(`/api/users${queryString(q)}`, { signal });
  },
  createUser(body: CreateUserBody): Promise<UserView> {
    return request('/api/users', { method: 'POST', body });
  },
  updateUser(id: string, body: UpdateUserBody): Promise<UserView> {
    return request(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body });
  },
  resetPassword(id: string, password: string): Promise<void> {
    return request(`/api/users/${encodeURIComponent(id)}/password`, { method: 'POST', body: { password } });
  },
  listFilterRules(q: { page: number; page_size: number; q?: string }, signal?: AbortSignal): Promise<Page<FilterRuleView>> {
    return request(`/api/admin/filter-rules${queryString(q)}`, { signal });
  },
  /** A regular expression the server finds unsafe is a 400 whose message says why. */
  createFilterRule(body: CreateFilterRuleBody): Promise<FilterRuleView> {
    return request('/api/admin/filter-rules', { method: 'POST', body });
  },
  updateFilterRule(id: string, body: UpdateFilterRuleBody): Promise<FilterRuleView> {
    return request(`/api/admin/filter-rules/${encodeURIComponent(id)}`, { method: 'PATCH', body });
  },
  deleteFilterRule(id: string): Promise<void> {
    return request(`/api/admin/filter-rules/${encodeURIComponent(id)}`, { method: 'DELETE' });
  },
  /** What the rules as they are now would do to `text` (counts no hits). */
  testFilter(text: string, stage?: FilterStage): Promise<TestFilterResponse> {
    return request('/api/admin/filter-rules/test', { method: 'POST', body: stage ? { text, stage } : { text } });
  },
  importFilterRules(body: ImportFilterRulesBody): Promise<ImportFilterRulesResponse> {
    return request('/api/admin/filter-rules/import', { method: 'POST', body });
  },
  listReviews(q: { page: number; page_size: number; status?: ReviewStatus }, signal?: AbortSignal): Promise<Page<ReviewItemView>> {
    return request(`/api/admin/reviews${queryString(q)}`, { signal });
  },
  decideReview(id: string, approve: boolean, note?: string): Promise<ReviewItemView> {
    return request(`/api/admin/reviews/${encodeURIComponent(id)}/${approve ? 'approve' : 'reject'}`, { method: 'POST', body: note ? { note } : {} });
  },
  listAllTasks(q: { page: number; page_size: number; status?: TaskStatus }, signal?: AbortSignal): Promise<Page<TaskView>> {
    return request(`/api/admin/tasks${queryString(q)}`, { signal });
  },
  /** Which kinds of model are usable (any signed-in user): what needs a missing one is disabled. */
  modelCapabilities(signal?: AbortSignal): Promise<ModelCapabilities> {
    return request('/api/models', { signal });
  },
  models(signal?: AbortSignal): Promise<ModelsView> {
    return request('/api/admin/models', { signal });
  },
  rescanModels(): Promise<ModelsView> {
    return request('/api/admin/models/rescan', { method: 'POST' });
  },
  listAudit(q: { page: number; page_size: number; username?: string; kind?: AuditKind; from?: string; to?: string }, signal?: AbortSignal): Promise<Page<AuditEntryView>> {
    return request(`/api/admin/audit${queryString(q)}`, { signal });
  },
  systemStatus(signal?: AbortSignal): Promise<SystemStatusView> {
    return request('/api/admin/status', { signal });
  },
  queue(signal?: AbortSignal): Promise<QueueView> {
    return request('/api/admin/queue', { signal });
  },
  /** Tasks rendering finish; no new one starts until resumed (kept across restarts). */
  setQueuePaused(paused: boolean): Promise<QueueView> {
    return request(`/api/admin/queue/${paused ? 'pause' : 'resume'}`, { method: 'POST' });
  },
  /** -100..100, higher starts first. */
  setTaskPriority(id: string, priority: number): Promise<TaskView> {
    return request(`/api/admin/tasks/${encodeURIComponent(id)}`, { method: 'PATCH', body: { priority } });
  },
  /** Render workers heard from within the last hour, alive or lost. */
  workers(signal?: AbortSignal): Promise<WorkerView[]> {
    return request('/api/admin/workers', { signal });
  },
  workerTokens(signal?: AbortSignal): Promise<WorkerTokenView[]> {
    return request('/api/admin/worker-tokens', { signal });
  },
  /** The answer holds the token's plaintext: the only time it is ever shown. 409 when a live token has that name. */
  issueWorkerToken(name: string): Promise<IssuedWorkerToken> {
    return request('/api/admin/worker-tokens', { method: 'POST', body: { name } });
  },
  revokeWorkerToken(id: string): Promise<void> {
    return request(`/api/admin/worker-tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
  },

  // Projects (live co-edited storyboards) -------------------------------------------------------
  listProjects(page = 1, pageSize = 100, signal?: AbortSignal): Promise<Page<ProjectSummary>> {
    const q = new URLSearchParams({ page: String(page), page_size: String(pageSize) });
    return request<Page<ProjectSummary>>(`/api/projects?${q}`, { signal });
  },
  createProject(body: CreateProjectBody): Promise<ProjectView> {
    return request<ProjectView>('/api/projects', { method: 'POST', body });
  },
  getProject(id: string, signal?: AbortSignal): Promise<ProjectView> {
    return request<ProjectView>(`/api/projects/${encodeURIComponent(id)}`, { signal });
  },
  renameProject(id: string, name: string): Promise<ProjectView> {
    return request<ProjectView>(`/api/projects/${encodeURIComponent(id)}`, { method: 'PATCH', body: { name } });
  },
  deleteProject(id: string): Promise<void> {
    return request<void>(`/api/projects/${encodeURIComponent(id)}`, { method: 'DELETE' });
  },
  /** Usernames the owner may add, holding `q` (at most ten; owners only). */
  memberSuggestions(id: string, q: string, signal?: AbortSignal): Promise<string[]> {
    return request<string[]>(`/api/projects/${encodeURIComponent(id)}/member-suggestions${queryString({ q })}`, { signal });
  },
  listMembers(id: string): Promise<ProjectMemberView[]> {
    return request<ProjectMemberView[]>(`/api/projects/${encodeURIComponent(id)}/members`);
  },
  addMember(id: string, body: AddMemberBody): Promise<ProjectMemberView> {
    return request<ProjectMemberView>(`/api/projects/${encodeURIComponent(id)}/members`, { method: 'POST', body });
  },
  changeMemberRole(id: string, userId: string, role: ProjectRole): Promise<ProjectMemberView> {
    return request<ProjectMemberView>(`/api/projects/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`, {
      method: 'PATCH',
      body: { role },
    });
  },
  removeMember(id: string, userId: string): Promise<void> {
    return request<void>(`/api/projects/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`, { method: 'DELETE' });
  },
  leaveProject(id: string): Promise<void> {
    return request<void>(`/api/projects/${encodeURIComponent(id)}/leave`, { method: 'POST' });
  },
  /** Renders the storyboard as it is now (editors and owners); progress arrives over Socket.IO. */
  renderProject(id: string): Promise<CreateTaskResponse> {
    return request<CreateTaskResponse>(`/api/projects/${encodeURIComponent(id)}/render`, { method: 'POST' });
  },
  /** The storyboard as it is now, validated. */
  getStoryboard(id: string, signal?: AbortSignal): Promise<Storyboard> {
    return request(`/api/projects/${encodeURIComponent(id)}/storyboard`, { signal });
  },
  /** Every take drawn for a scene, newest first. */
  listTakes(id: string, sceneId: string, signal?: AbortSignal): Promise<TakeView[]> {
    return request(`/api/projects/${encodeURIComponent(id)}/scenes/${encodeURIComponent(sceneId)}/takes`, { signal });
  },
  /** The next render uses this take while the scene stays as it is (editors, owners); 409 when it no longer fits. Answers the scene's takes. */
  selectTake(id: string, sceneId: string, takeId: string): Promise<TakeView[]> {
    return request(`/api/projects/${encodeURIComponent(id)}/scenes/${encodeURIComponent(sceneId)}/takes/${encodeURIComponent(takeId)}/select`, { method: 'POST' });
  },
  /** Deletes a take and its files (editors, owners); 409 while a render of the project runs. */
  deleteTake(id: string, sceneId: string, takeId: string): Promise<void> {
    return request(`/api/projects/${encodeURIComponent(id)}/scenes/${encodeURIComponent(sceneId)}/takes/${encodeURIComponent(takeId)}`, { method: 'DELETE' });
  },
  projectDisk(id: string, signal?: AbortSignal): Promise<ProjectDiskView> {
    return request(`/api/projects/${encodeURIComponent(id)}/disk`, { signal });
  },
  /** The project's renders, newest first, each with the storyboard version it came from. */
  listProjectRenders(id: string, page = 1, pageSize = 10, signal?: AbortSignal): Promise<Page<RenderHistoryItem>> {
    const q = new URLSearchParams({ page: String(page), page_size: String(pageSize) });
    return request(`/api/projects/${encodeURIComponent(id)}/renders?${q}`, { signal });
  },
  listVersions(id: string): Promise<VersionView[]> {
    return request(`/api/projects/${encodeURIComponent(id)}/versions`);
  },
  createVersion(id: string, name: string): Promise<VersionView> {
    return request(`/api/projects/${encodeURIComponent(id)}/versions`, { method: 'POST', body: { name } satisfies CreateVersionBody });
  },
  diffVersion(id: string, vid: string): Promise<StoryboardDiff> {
    return request(`/api/projects/${encodeURIComponent(id)}/versions/${encodeURIComponent(vid)}/diff?against=current`);
  },
  deleteVersion(id: string, vid: string): Promise<void> {
    return request(`/api/projects/${encodeURIComponent(id)}/versions/${encodeURIComponent(vid)}`, { method: 'DELETE' });
  },
  restoreVersion(id: string, vid: string): Promise<RestoreVersionResult> {
    return request(`/api/projects/${encodeURIComponent(id)}/versions/${encodeURIComponent(vid)}/restore`, { method: 'POST' });
  },
  /** The LLM rewrites the scene as `instruction` asks; the change arrives in the live storyboard too. */
  rewriteScene(id: string, sceneId: string, instruction: string, signal?: AbortSignal): Promise<SceneEditResult> {
    return request(`/api/projects/${encodeURIComponent(id)}/scenes/${encodeURIComponent(sceneId)}/rewrite`, { method: 'POST', body: { instruction } satisfies RewriteSceneBody, signal });
  },
  /** Splits the scene in two (the LLM, or by rule without one). */
  splitScene(id: string, sceneId: string, signal?: AbortSignal): Promise<SceneEditResult> {
    return request(`/api/projects/${encodeURIComponent(id)}/scenes/${encodeURIComponent(sceneId)}/split`, { method: 'POST', signal });
  },
  /** Merges the scene with the next one (the LLM, or by rule without one). */
  mergeSceneWithNext(id: string, sceneId: string, signal?: AbortSignal): Promise<SceneEditResult> {
    return request(`/api/projects/${encodeURIComponent(id)}/scenes/${encodeURIComponent(sceneId)}/merge-next`, { method: 'POST', signal });
  },
};
