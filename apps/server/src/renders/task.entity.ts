import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { PlannerRecord, RenderPlan, TaskFailureCode, TaskStatus } from '@reelcraft/shared';

/** The frame a seed-API task asked for (POST /api/tasks `aspect`, `size`), already worked out in pixels. */
export interface TaskLook {
  width: number;
  height: number;
}

@Entity('tasks')
@Index('IDX_tasks_project_created', ['project_id', 'created_at'])
@Check('CHK_tasks_status', `"status" IN ('pending', 'held', 'running', 'completed', 'failed', 'cancelled')`)
export class Task {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('IDX_tasks_owner_id')
  @Column({ type: 'varchar', length: 36 })
  owner_id: string;

  @Column({ type: 'text' })
  prompt: string;

  /** The project whose storyboard it renders, or that a seed-API task planned into: its members may watch it. */
  @Index('IDX_tasks_project_id')
  @Column({ type: 'varchar', length: 36, nullable: true })
  project_id: string | null;

  @Index('IDX_tasks_status')
  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: TaskStatus;

  /** Why it failed, in English: the detail behind failure_code. */
  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Why it failed as a code the studio translates (failure-code.ts picks it); null unless failed, and for rows from before codes. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  failure_code: TaskFailureCode | null;

  /** The storyboard to render as it is: an edited project's, or the one planned from the prompt (once planned, a restart renders it again instead of planning anew); null: not planned yet. */
  @Column({ type: 'simple-json', nullable: true })
  plan: RenderPlan | null;

  /** Which planner wrote `plan` from the prompt, and why it fell back if it did; null for a render of an edited storyboard. */
  @Column({ type: 'simple-json', nullable: true })
  planner: PlannerRecord | null;

  /** The storyboard version a render of a project was made from; null for a seed-API task, or once that version is deleted (no foreign key: the render stays listed). */
  @Column({ type: 'varchar', length: 36, nullable: true })
  version_id: string | null;

  /** A seed-API task's wanted frame, put into its plan's style when the plan is stored; null: the server's render size. */
  @Column({ type: 'simple-json', nullable: true })
  look: TaskLook | null;

  /** Higher runs first (an admin's reordering); within a priority, users take turns (fair-pick.ts). */
  @Column({ type: 'integer', default: 0 })
  priority: number;

  /** How many times a worker has picked the task up (a restart re-queues a running task). */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @CreateDateColumn()
  created_at: Date;

  @Column({ type: Date, nullable: true })
  started_at: Date | null;

  @Column({ type: Date, nullable: true })
  finished_at: Date | null;

  /** The server process running it (RenderQueue's instance id) while `running`; null otherwise, and for rows from before leases. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  lease_owner: string | null;

  /** Until when `lease_owner` holds it without renewing; past it, any process may put the task back to `pending`. */
  @Column({ type: Date, nullable: true })
  lease_until: Date | null;
}
