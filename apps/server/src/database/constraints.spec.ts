import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { ProjectMember } from '../projects/project-member.entity';
import { Project } from '../projects/project.entity';
import { Scene } from '../renders/scene.entity';
import { Task } from '../renders/task.entity';
import { VideoResource } from '../renders/video-resource.entity';
import { User } from '../users/user.entity';
import { withMigratedDatabase } from '../testing/migrated-database';

/** The database refuses what no code path writes (migration 1765500000000): states outside their set, rows of a missing parent. */
describe.each(['sqlite', 'postgres'] as const)('constraints on %s', (kind) => {
  const scene = (task_id: string, status = 'pending') => ({
    id: randomUUID(),
    task_id,
    scene_number: 1,
    description: 'a harbour',
    camera_settings: { movement: 'static' },
    duration_sec: 2,
    status,
  }) as unknown as Scene;

  async function seed(db: DataSource) {
    const user = { id: randomUUID(), username: `u-${randomUUID().slice(0, 8)}`, password_hash: 'x', role: 'user' } as User;
    await db.getRepository(User).insert(user);
    const task = { id: randomUUID(), owner_id: user.id, prompt: 'a harbour', status: 'pending', attempts: 0 } as Task;
    await db.getRepository(Task).insert(task);
    return { user, task };
  }

  it('refuses a state or kind outside its set', async () => {
    await withMigratedDatabase(kind, async (db) => {
      const { task } = await seed(db);
      await expect(db.getRepository(Scene).insert(scene(task.id, 'rendred'))).rejects.toThrow(/CHK_scenes_status|CHECK constraint/i);
      await expect(db.getRepository(Task).update({ id: task.id }, { status: 'paused' as Task['status'] })).rejects.toThrow(/CHK_tasks_status|CHECK constraint/i);
      await expect(db.getRepository(User).insert({ id: randomUUID(), username: 'root', password_hash: 'x', role: 'root' as User['role'] })).rejects.toThrow(/CHK_users_role|CHECK constraint/i);
      const video = { id: randomUUID(), task_id: task.id, scene_id: null, kind: 'trailer', file_path: 'x.mp4', frame_rate: 8, resolution: '160x90', duration: 1, bytes: 1, sha256: 'x' };
      await expect(db.getRepository(VideoResource).insert(video as unknown as VideoResource)).rejects.toThrow(/CHK_video_resources_kind|CHECK constraint/i);
      // The same rows with their real values go in.
      await db.getRepository(Scene).insert(scene(task.id, 'rendering'));
      await db.getRepository(VideoResource).insert({ ...video, kind: 'final' } as VideoResource);
    });
  });

  it("refuses a scene, video or membership of a missing parent, and drops a deleted project's memberships", async () => {
    await withMigratedDatabase(kind, async (db) => {
      const { user } = await seed(db);
      await expect(db.getRepository(Scene).insert(scene('no-such-task'))).rejects.toThrow(/FK_scenes_task|FOREIGN KEY/i);
      const video = { id: randomUUID(), task_id: 'no-such-task', scene_id: null, kind: 'final', file_path: 'x.mp4', frame_rate: 8, resolution: '160x90', duration: 1, bytes: 1, sha256: 'x' };
      await expect(db.getRepository(VideoResource).insert(video as VideoResource)).rejects.toThrow(/FK_video_resources_task|FOREIGN KEY/i);
      const project = { id: randomUUID(), name: 'Harbour', owner_id: user.id } as Project;
      await db.getRepository(Project).insert(project);
      const member = (project_id: string, user_id: string) => ({ id: randomUUID(), project_id, user_id, role: 'editor' as const, added_at: new Date() }) as ProjectMember;
      await expect(db.getRepository(ProjectMember).insert(member('no-such-project', user.id))).rejects.toThrow(/FK_project_members_project|FOREIGN KEY/i);
      await expect(db.getRepository(ProjectMember).insert(member(project.id, 'no-such-user'))).rejects.toThrow(/FK_project_members_user|FOREIGN KEY/i);
      await db.getRepository(ProjectMember).insert(member(project.id, user.id));
      await db.getRepository(Project).delete({ id: project.id });
      expect(await db.getRepository(ProjectMember).countBy({ project_id: project.id })).toBe(0);
    });
  });
});
