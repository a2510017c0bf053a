import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TaskEvents } from '../renders/task-events';
import { TasksService } from '../renders/tasks.service';
import { projectNameFromPrompt } from '@reelcraft/shared';
import { emptyStoryboardFor } from './project-name';
import { ProjectsService, type PlanStream } from './projects.service';
import { StoryboardStore } from './storyboard-store';

/**
 * Every seed-API task (POST /api/tasks) gets a project: named after the prompt's first clause, owned by the
 * task's owner, linked by task_id. It starts with an empty storyboard and receives the planner's
 * scenes one by one while the render queue plans the task (see the listeners below).
 */
@Injectable()
export class TaskProjects implements OnModuleInit {
  private readonly logger = new Logger('TaskProjects');
  /** Tasks being planned into their (empty) project's storyboard right now. */
  private readonly streams = new Map<string, PlanStream>();

  constructor(
    private readonly events: TaskEvents,
    private readonly projects: ProjectsService,
    private readonly store: StoryboardStore,
    private readonly tasks: TasksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.on('created', async ({ task_id, owner_id, prompt, project_id, look }) => {
      if (project_id) return this.projects.linkTask(project_id, task_id);
      const name = projectNameFromPrompt(prompt);
      // The frame the task asked for is the project's too, so a render of it after an edit keeps it.
      const project = await this.projects.createProject(owner_id, name, emptyStoryboardFor(name, { ...this.config.render, ...look }, prompt), task_id);
      await this.tasks.linkProject(task_id, project.id);
    });
    // The queue plans a task before rendering it; its scenes go into the task's project as they
    // arrive, unless someone has added scenes by then (a re-run after a restart plans again, and
    // must not pile a second storyboard onto what people edited meanwhile).
    this.events.on('planning', async ({ task_id }) => {
      const project = await this.projects.projectOfTask(task_id);
      if (!project) return;
      const current = await this.store.snapshot(project.id).catch(() => null);
      if (current && current.scenes.length > 0) {
        this.logger.log(`project ${project.id} already has scenes; the re-planned task ${task_id} leaves them alone`);
        return;
      }
      this.streams.set(task_id, this.projects.planStream(project.id, task_id));
    });
    this.events.on('plan-scene', ({ task_id, scene, total }) => this.streams.get(task_id)?.scene(scene, total));
    this.events.on('planned', async ({ task_id, report }) => {
      const stream = this.streams.get(task_id);
      this.streams.delete(task_id);
      await stream?.finish(report);
    });
    this.events.on('plan-failed', async ({ task_id, error, code }) => {
      const stream = this.streams.get(task_id);
      this.streams.delete(task_id);
      await stream?.fail(new Error(error), code);
    });
    this.events.on('deleted', ({ task_id }) => this.projects.unlinkTask(task_id));
  }
}
