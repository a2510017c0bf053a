import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TaskEvents } from '../renders/task-events';
import { emptyStoryboardFor, nameFromPrompt } from './project-name';
import { ProjectsService } from './projects.service';
import { StoryboardStore } from './storyboard-store';

/**
 * Every seed-API task (POST /api/tasks) gets a project: named after the prompt, owned by the
 * task's owner, linked by task_id. It starts with an empty storyboard and receives the worker's
 * plan when the task is planned, unless someone has added scenes by then (a re-run after a
 * restart plans again, and must not wipe what people edited meanwhile).
 */
@Injectable()
export class TaskProjects implements OnModuleInit {
  private readonly logger = new Logger('TaskProjects');

  constructor(
    private readonly events: TaskEvents,
    private readonly projects: ProjectsService,
    private readonly store: StoryboardStore,
  ) {}

  onModuleInit(): void {
    this.events.on('created', async ({ task_id, owner_id, prompt, project_id }) => {
      if (project_id) return this.projects.linkTask(project_id, task_id);
      const name = nameFromPrompt(prompt);
      await this.projects.createProject(owner_id, name, emptyStoryboardFor(name), task_id);
    });
    this.events.on('planned', async ({ task_id, plan }) => {
      const project = await this.projects.projectOfTask(task_id);
      if (!project) return;
      const current = await this.store.snapshot(project.id).catch(() => null);
      if (current && current.scenes.length > 0) {
        this.logger.log(`project ${project.id} already has scenes; the re-planned task ${task_id} leaves them alone`);
        return;
      }
      await this.projects.streamPlan(project.id, task_id, plan);
    });
    this.events.on('deleted', ({ task_id }) => this.projects.unlinkTask(task_id));
  }
}
