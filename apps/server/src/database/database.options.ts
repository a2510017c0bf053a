import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/config';
import { utcTimestamps } from './pg-utc';
import { Session } from '../auth/session.entity';
import { Scene } from '../renders/scene.entity';
import { Task } from '../renders/task.entity';
import { VideoResource } from '../renders/video-resource.entity';
import { User } from '../users/user.entity';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { Projects1764100000000 } from './migrations/1764100000000-projects';
import { DocUpdates1764200000000 } from './migrations/1764200000000-doc-updates';
import { Versions1764300000000 } from './migrations/1764300000000-versions';
import { TaskPlan1764400000000 } from './migrations/1764400000000-task-plan';
import { PlannerRecord1764450000000 } from './migrations/1764450000000-planner-record';
import { DocUpdatesKey1764500000000 } from './migrations/1764500000000-doc-updates-key';
import { TaskProject1764600000000 } from './migrations/1764600000000-task-project';
import { Moderation1764700000000 } from './migrations/1764700000000-moderation';
import { SceneTakes1764800000000 } from './migrations/1764800000000-scene-takes';
import { QueueControl1764900000000 } from './migrations/1764900000000-queue-control';
import { SceneMedia1765000000000 } from './migrations/1765000000000-scene-media';
import { MusicLibrary1765100000000 } from './migrations/1765100000000-music-library';
import { RenderHistory1765200000000 } from './migrations/1765200000000-render-history';
import { SceneJobs1765300000000 } from './migrations/1765300000000-scene-jobs';
import { TaskLeases1765400000000 } from './migrations/1765400000000-task-leases';
import { Constraints1765500000000 } from './migrations/1765500000000-constraints';
import { WorkerTokens1765600000000 } from './migrations/1765600000000-worker-tokens';
import { SessionClient1765700000000 } from './migrations/1765700000000-session-client';
import { TaskFailureCode1765850000000 } from './migrations/1765850000000-task-failure-code';
import { DocUpdatesAppend1765900000000 } from './migrations/1765900000000-doc-updates-append';
import { MusicTrack } from '../music/music-track.entity';
import { SceneMedia } from '../media/scene-media.entity';
import { ServerSetting } from '../renders/server-setting.entity';
import { TakeSelection } from '../renders/take-selection.entity';
import { Take } from '../renders/take.entity';
import { AuditEntry } from '../moderation/audit-entry.entity';
import { FilterRule, FilterState } from '../moderation/filter-rule.entity';
import { ReviewItem } from '../moderation/review-item.entity';
import { docUpdateEntity } from '../collab/doc-update.entity';
import { storyboardVersionEntity } from '../versions/storyboard-version.entity';
import { Project } from '../projects/project.entity';
import { ProjectMember } from '../projects/project-member.entity';
import { WorkerToken } from '../workers/worker-token.entity';

export const ENTITIES = [User, Session, Task, Scene, VideoResource, Project, ProjectMember, FilterRule, FilterState, AuditEntry, ReviewItem, Take, ServerSetting, TakeSelection, SceneMedia, MusicTrack, WorkerToken];
export const MIGRATIONS = [InitialSchema1764000000000, Projects1764100000000, DocUpdates1764200000000, Versions1764300000000, TaskPlan1764400000000, PlannerRecord1764450000000, DocUpdatesKey1764500000000, TaskProject1764600000000, Moderation1764700000000, SceneTakes1764800000000, QueueControl1764900000000, SceneMedia1765000000000, MusicLibrary1765100000000, RenderHistory1765200000000, SceneJobs1765300000000, TaskLeases1765400000000, Constraints1765500000000, WorkerTokens1765600000000, SessionClient1765700000000, TaskFailureCode1765850000000, DocUpdatesAppend1765900000000];

/** Embedded SQLite file by default, PostgreSQL when DATABASE_URL is set. Migrations run at start; never synchronize. */
export function databaseOptions(config: AppConfig): DataSourceOptions {
  // DocUpdate's and StoryboardVersion's byte column types depend on the driver, so their schemas are picked here (see doc-update.entity.ts).
  const common = { entities: [...ENTITIES, docUpdateEntity(config.database.type), storyboardVersionEntity(config.database.type)] as DataSourceOptions['entities'], migrations: MIGRATIONS, migrationsRun: true, synchronize: false, logging: false } as const;
  const db = config.database;
  if (db.type === 'postgres') {
    const utc = utcTimestamps();
    return {
      ...common,
      type: 'postgres',
      url: db.url,
      schema: db.schema,
      // Unqualified names in the migrations must land in the chosen schema too.
      // node-postgres's pool: `max` connections per server process (DATABASE_POOL_SIZE).
      extra: { max: db.poolSize, types: utc.types, options: [utc.sessionOption, ...(db.schema ? [`-c search_path=${db.schema}`] : [])].join(' ') },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.path,
    enableWAL: true,
    prepareDatabase: (conn: { pragma(s: string): unknown }) => {
      // A render worker and the API write at the same time; wait for the lock instead of failing.
      conn.pragma('busy_timeout = 5000');
      conn.pragma('foreign_keys = ON');
      // With WAL, NORMAL still survives a killed process (what the collab store-before-relay rule
      // guards against) and skips an fsync per commit; a power cut can lose the last commits, which
      // for storyboards the editors' own copies re-send on reconnect.
      conn.pragma('synchronous = NORMAL');
    },
  };
}
