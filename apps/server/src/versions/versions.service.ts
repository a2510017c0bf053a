import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  LIMITS,
  StoryboardValidationError,
  canEditProject,
  diffStoryboards,
  sameJson,
  writeStoryboard,
  type ProjectRole,
  type RestoreVersionResult,
  type Storyboard,
  type StoryboardDiff,
  type VersionKind,
  type VersionView,
  type VersionsChangedEvent,
} from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { DataSource, In } from 'typeorm';
import * as Y from 'yjs';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CollabDocuments } from '../collab/collab-documents';
import { DocumentTooLarge } from '../collab/hosted-doc';
import { ContentScreening } from '../moderation/content-screening';
import { ReviewQueue } from '../moderation/review-queue';
import { ProjectsService } from '../projects/projects.service';
import { User } from '../users/user.entity';
import { STORYBOARD_VERSION, type StoryboardVersion } from './storyboard-version.entity';
import { backupName, storyboardOfDoc, storyboardOfState, visibleSceneCount } from './version-state';
import { apiError } from '../common/api-error';

/** Every column but the document itself, for lists. */
const LISTED = { id: true, project_id: true, name: true, kind: true, created_by: true, created_at: true, scene_count: true } as const;

/** What a render of the live storyboard was made from: what `prepare` made of it, and the version that holds it. */
export interface RenderSnapshot<T> {
  value: T;
  /** Null only when the project keeps as many versions as it may and none of them was saved by a render (nothing to make room with). */
  version: StoryboardVersion | null;
}

/**
 * Named versions of a project's storyboard. A version is a copy of the live Yjs document; restoring
 * one writes its storyboard into the live document as a new edit (stored and relayed to every open
 * editor like anyone's keystrokes), after saving what was there as a version of its own. The update
 * log is never rewound, so nothing anyone typed is lost and open editors never diverge.
 */
@Injectable()
export class VersionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Versions');
  /** How many versions a project keeps; a field so tests can lower it on a running app. */
  maxPerProject: number = LIMITS.versions.perProject.max;
  private stopListening: (() => void) | null = null;
  /** Per project, the render snapshot being taken: two renders at once must not both save the same storyboard. */
  private readonly snapshotting = new Map<string, Promise<unknown>>();
  private readonly changes = new Subject<VersionsChangedEvent>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly projects: ProjectsService,
    private readonly documents: CollabDocuments,
    private readonly screening: ContentScreening,
    private readonly reviews: ReviewQueue,
  ) {}

  private get rows() {
    return this.db.getRepository<StoryboardVersion>(STORYBOARD_VERSION);
  }

  onModuleInit(): void {
    // Versions belong to their project; the deletion event comes once per member, and a repeated delete is harmless.
    this.stopListening = this.projects.onMembershipChanged((c) => {
      if (c.reason !== 'project-deleted') return;
      this.rows.delete({ project_id: c.project_id }).catch((err: Error) => this.logger.error(`could not delete the versions of project ${c.project_id}: ${err.message}`));
    });
  }

  onModuleDestroy(): void {
    this.stopListening?.();
    this.changes.complete();
  }

  /**
   * Calls `listener` after a version was saved, restored or deleted (the events gateway relays it
   * to the project's room as `versions:changed`, so every open version panel reloads); returns the
   * function that stops listening.
   */
  onChanged(listener: (e: VersionsChangedEvent) => void): () => void {
    const sub = this.changes.subscribe(listener);
    return () => sub.unsubscribe();
  }

  private announce(user: AuthenticatedUser, projectId: string, change: VersionsChangedEvent['change'], version: { id: string; name: string }, backupId: string | null = null): void {
    try {
      this.changes.next({ project_id: projectId, change, version_id: version.id, name: version.name, backup_id: backupId, by: user.username });
    } catch (err) {
      // A listener's failure must not turn a done change into an error answer.
      this.logger.error(`could not announce a version change: ${(err as Error).message}`);
    }
  }

  async list(user: AuthenticatedUser, projectId: string): Promise<VersionView[]> {
    await this.access(user, projectId);
    const rows = await this.rows.find({ where: { project_id: projectId }, select: LISTED, order: { created_at: 'DESC', id: 'DESC' } });
    return this.views(rows);
  }

  /** Saves the live document as it is now, unsaved keystrokes included (every accepted update is in it). */
  async create(user: AuthenticatedUser, projectId: string, asked: string): Promise<VersionView> {
    await this.access(user, projectId, 'save');
    const actor = { id: user.id, username: user.username };
    const screened = await this.screening.enforce(asked, 'version_name', { actor, where: `POST /api/projects/${projectId}/versions`, target: projectId });
    const name = screened.text;
    await this.ensureRoom(projectId);
    const { state, scenes } = await this.documents.with(projectId, async (hosted) => {
      await hosted.idle();
      // A version that cannot be read back could neither be viewed nor restored.
      checked(() => storyboardOfDoc(hosted.doc));
      return { state: Y.encodeStateAsUpdate(hosted.doc), scenes: visibleSceneCount(hosted.doc) };
    });
    const [view] = await this.views([await this.insert(projectId, user.id, name, state, scenes)]);
    if (screened.held) await this.reviews.hold('version', view.id, name, screened.held, 'version_name', actor);
    this.announce(user, projectId, 'saved', view);
    return view;
  }

  /**
   * The live storyboard as a render takes it, tied to a version: the newest version when the
   * storyboard is exactly as that version holds it, else a new version saved now (kind `render`,
   * by the requester). `prepare` turns the storyboard into what the render needs and may refuse it
   * (throw): then nothing is saved. The caller has checked that `user` may render the project.
   */
  async snapshotForRender<T>(user: AuthenticatedUser, projectId: string, prepare: (storyboard: Storyboard) => Promise<T>): Promise<RenderSnapshot<T>> {
    const before = this.snapshotting.get(projectId) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(() => this.takeSnapshot(user, projectId, prepare));
    this.snapshotting.set(projectId, run);
    try {
      return await run;
    } finally {
      if (this.snapshotting.get(projectId) === run) this.snapshotting.delete(projectId);
    }
  }

  private async takeSnapshot<T>(user: AuthenticatedUser, projectId: string, prepare: (storyboard: Storyboard) => Promise<T>): Promise<RenderSnapshot<T>> {
    // The storyboard and the bytes saved for it are read together, with no edit in between.
    const { storyboard, state, scenes } = await this.documents.with(projectId, async (hosted) => {
      await hosted.idle();
      return { storyboard: checked(() => storyboardOfDoc(hosted.doc)), state: Y.encodeStateAsUpdate(hosted.doc), scenes: visibleSceneCount(hosted.doc) };
    });
    const value = await prepare(storyboard);
    const newest = await this.rows.findOne({ where: { project_id: projectId }, order: { created_at: 'DESC', id: 'DESC' } });
    // A newest version that no longer reads back is no match: the render saves what it really rendered.
    const stored = newest ? tryRead(() => storyboardOfState(newest.state)) : null;
    if (newest && stored && sameJson(stored, storyboard)) return { value, version: newest };
    if (!(await this.roomForRenderVersion(projectId))) {
      this.logger.warn(`project ${projectId} keeps ${this.maxPerProject} saved versions and none made by a render: this render links no version`);
      return { value, version: null };
    }
    const version = await this.insert(projectId, user.id, renderVersionName(new Date()), state, scenes, 'render');
    const [view] = await this.views([version]);
    this.announce(user, projectId, 'saved', view);
    return { value, version };
  }

  /**
   * A version a render saves must not refuse the render when the project is full: the oldest
   * version a render saved makes room (its renders stay listed, without a version). False when
   * every version was saved by someone by name.
   */
  private async roomForRenderVersion(projectId: string): Promise<boolean> {
    const count = await this.rows.count({ where: { project_id: projectId } });
    if (count < this.maxPerProject) return true;
    const oldest = await this.rows.findOne({ where: { project_id: projectId, kind: 'render' }, select: { id: true }, order: { created_at: 'ASC', id: 'ASC' } });
    if (!oldest) return false;
    await this.rows.delete({ id: oldest.id });
    return true;
  }

  async storyboard(user: AuthenticatedUser, projectId: string, versionId: string): Promise<Storyboard> {
    await this.access(user, projectId);
    return this.versionStoryboard(projectId, versionId);
  }

  /** From the version to `against`: the live storyboard, or another version of the same project. */
  async diff(user: AuthenticatedUser, projectId: string, versionId: string, against: string): Promise<StoryboardDiff> {
    await this.access(user, projectId);
    const from = await this.versionStoryboard(projectId, versionId);
    const to = against === 'current' ? await this.current(projectId) : await this.versionStoryboard(projectId, against);
    return diffStoryboards(from, to);
  }

  /**
   * Makes the version's storyboard the live one, as one new edit. What the live document held just
   * before is saved first, inside the same step of the document's queue, as "before restore of
   * <name>": no edit can land between that backup and the restore.
   */
  async restore(user: AuthenticatedUser, projectId: string, versionId: string): Promise<RestoreVersionResult> {
    await this.access(user, projectId, 'restore');
    const row = await this.version(projectId, versionId);
    const target = checked(() => storyboardOfState(row.state));
    await this.ensureRoom(projectId);
    // Set by the change below, which runs inside the document's queue.
    const made: { backup?: StoryboardVersion } = {};
    try {
      await this.documents.applyServerChange(
        projectId,
        async (live) => {
          const state = Y.encodeStateAsUpdate(live);
          const scenes = visibleSceneCount(live);
          writeStoryboard(live, target);
          made.backup = await this.insert(projectId, user.id, backupName(row.name, LIMITS.versions.name.max), state, scenes);
        },
        user.id,
      );
    } catch (err) {
      // Not restored, so the backup would only be a confusing duplicate of the current storyboard.
      if (made.backup) await this.rows.delete({ id: made.backup.id }).catch(() => undefined);
      if (err instanceof DocumentTooLarge) throw apiError(409, 'storyboard_too_large', `restoring "${row.name}" would make the storyboard too large: ${err.message}`);
      throw err;
    }
    if (!made.backup) throw new Error('the restore ran without saving a backup');
    await this.projects.touch(projectId);
    const [restored, backup] = await this.views([row, made.backup]);
    this.announce(user, projectId, 'restored', restored, backup.id);
    return { restored, backup, storyboard: await this.current(projectId) };
  }

  /** By the version's author or an owner of the project (an editor may not delete another's versions). */
  async remove(user: AuthenticatedUser, projectId: string, versionId: string): Promise<void> {
    const role = await this.access(user, projectId, 'delete');
    const row = await this.rows.findOne({ where: { id: versionId, project_id: projectId }, select: { id: true, name: true, created_by: true } });
    if (row && role !== 'owner' && row.created_by !== user.id) throw apiError(403, 'version_delete_forbidden', 'only the author of a version or an owner of the project can delete it');
    const { affected } = row ? await this.rows.delete({ id: versionId, project_id: projectId }) : { affected: 0 };
    if (!row || !affected) throw apiError(404, 'version_not_found', `no version ${versionId} in this project`);
    this.announce(user, projectId, 'deleted', row);
  }

  // ------------------------------------------------------------------------------------------

  /** Non-members (and unknown projects) get 404, so nobody learns which ids exist; viewers may read only. */
  private async access(user: AuthenticatedUser, projectId: string, change?: 'save' | 'restore' | 'delete'): Promise<ProjectRole> {
    const role = await this.projects.roleOf(user, projectId);
    if (!role) throw apiError(404, 'project_not_found', `no project ${projectId}`);
    if (change && !canEditProject(role)) throw apiError(403, 'project_read_only', `a ${role} cannot ${change} versions of this storyboard`);
    return role;
  }

  private async version(projectId: string, versionId: string): Promise<StoryboardVersion> {
    const row = await this.rows.findOne({ where: { id: versionId, project_id: projectId } });
    if (!row) throw apiError(404, 'version_not_found', `no version ${versionId} in this project`);
    return row;
  }

  private async versionStoryboard(projectId: string, versionId: string): Promise<Storyboard> {
    const row = await this.version(projectId, versionId);
    return checked(() => storyboardOfState(row.state));
  }

  private async current(projectId: string): Promise<Storyboard> {
    return this.documents.with(projectId, async (hosted) => {
      await hosted.idle();
      return checked(() => storyboardOfDoc(hosted.doc));
    });
  }

  private async ensureRoom(projectId: string): Promise<void> {
    const count = await this.rows.count({ where: { project_id: projectId } });
    if (count >= this.maxPerProject) throw apiError(409, 'versions_full', `a project keeps at most ${this.maxPerProject} versions: delete one first`, { max: this.maxPerProject });
  }

  private async insert(projectId: string, userId: string, name: string, state: Uint8Array, sceneCount: number, kind: VersionKind = 'saved'): Promise<StoryboardVersion> {
    // The time is set here, not by the database: SQLite's default has whole seconds, and the list sorts by it.
    const row: StoryboardVersion = {
      id: randomUUID(),
      project_id: projectId,
      name,
      kind,
      created_by: userId,
      created_at: new Date(),
      scene_count: sceneCount,
      state: Buffer.from(state.buffer, state.byteOffset, state.byteLength),
    };
    await this.rows.insert(row);
    return row;
  }

  private async views(rows: Omit<StoryboardVersion, 'state'>[]): Promise<VersionView[]> {
    const users = await this.db.getRepository(User).find({ where: { id: In([...new Set(rows.map((r) => r.created_by))]) } });
    const names = new Map(users.map((u) => [u.id, u.username]));
    return rows.map((r) => ({
      id: r.id,
      project_id: r.project_id,
      name: r.name,
      kind: r.kind,
      created_by: names.get(r.created_by) ?? '',
      created_by_id: r.created_by,
      created_at: r.created_at.toISOString(),
      scene_count: r.scene_count,
    }));
  }
}

/** The name a render gives the version it saves; the studio shows such versions by their time in the reader's own zone. */
export function renderVersionName(at: Date): string {
  return `Render ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function tryRead<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** A stored document that breaks the schema answers 409 with per-field issues, like GET .../storyboard. */
function checked<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof StoryboardValidationError) throw apiError(409, 'storyboard_invalid', err.message, undefined, { issues: err.issues });
    throw err;
  }
}
