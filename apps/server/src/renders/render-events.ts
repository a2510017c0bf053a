import { Injectable } from '@nestjs/common';
import type { WorkerMessage } from '@reelcraft/inference';
import type { TaskFailureCode, TaskStatus } from '@reelcraft/shared';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';

interface TaskRef {
  taskId: string;
  ownerId: string;
}

export interface RenderEventMap {
  status: [TaskRef & { status: TaskStatus; progress: number }];
  progress: [TaskRef & { sceneNumber: number; step: number; total: number; etaS: number | null; taskProgress: number }];
  /** `at`: when the worker made the frame (ms since the epoch). */
  preview: [TaskRef & { sceneNumber: number; jpeg: Buffer; at: number }];
  finished: [TaskRef & { videoUrl: string; duration: number }];
  /** `error` in English (detail), `code` for translation. */
  failed: [TaskRef & { error: string; code: TaskFailureCode }];
  /** The queue's order or state changed (coalesced by the queue). */
  queue: [{ paused: boolean }];
}

/**
 * What the render queue reports while it works, for whoever listens (the Socket.IO gateway).
 * The queue only emits; it knows nothing of rooms or sockets, and without listeners this is free.
 */
@Injectable()
export class RenderEvents extends EventEmitter<RenderEventMap> {
  reporter(task: { id: string; owner_id: string }, overall: () => number): TaskReporter {
    return new TaskReporter(this, { taskId: task.id, ownerId: task.owner_id }, overall);
  }
}

/** Turns one task's scene starts and worker messages into RenderEvents: ETA per scene, progress at most every 100 ms. */
export class TaskReporter {
  private readonly sceneStarts = new Map<number, number>();
  private lastProgressAt = 0;

  constructor(private readonly events: RenderEvents, private readonly task: TaskRef, private readonly overall: () => number) {}

  status(status: TaskStatus, progress = this.overall()): void {
    this.safely(() => this.events.emit('status', { ...this.task, status, progress }));
  }

  finished(videoUrl: string, duration: number): void {
    this.status('completed', 1);
    this.safely(() => this.events.emit('finished', { ...this.task, videoUrl, duration }));
  }

  failed(error: string, code: TaskFailureCode, cancelled: boolean): void {
    this.status(cancelled ? 'cancelled' : 'failed');
    this.safely(() => this.events.emit('failed', { ...this.task, error, code }));
  }

  /** A render worker started drawing the scene: watchers see it rendering at 0 %. */
  sceneStarted(sceneNumber: number): void {
    this.safely(() => {
      this.sceneStarts.set(sceneNumber, performance.now());
      this.events.emit('progress', { ...this.task, sceneNumber, step: 0, total: 1, etaS: null, taskProgress: this.overall() });
    });
  }

  readonly onMessage = (msg: WorkerMessage): void => {
    this.safely(() => {
      switch (msg.type) {
        case 'scene-done':
          this.status('running');
          // An animatic has no sampling steps to preview: its poster still is the scene's thumbnail.
          if (msg.poster) void this.previewFromFile(msg.scene_number, msg.poster);
          return;
        case 'scene-progress':
          this.progress(msg.scene_number, msg.frame, msg.frames);
          return;
        case 'scene-preview':
          this.events.emit('preview', { ...this.task, sceneNumber: msg.scene_number, jpeg: Buffer.from(msg.jpeg, 'base64'), at: msg.at });
          return;
      }
    });
  };

  private progress(sceneNumber: number, step: number, total: number): void {
    const now = performance.now();
    const started = this.sceneStarts.get(sceneNumber) ?? now;
    this.sceneStarts.set(sceneNumber, started);
    if (step < total && now - this.lastProgressAt < 100) return;
    this.lastProgressAt = now;
    const etaS = step > 0 && step < total ? Math.round(((now - started) / step) * (total - step)) / 1000 : step >= total ? 0 : null;
    this.events.emit('progress', { ...this.task, sceneNumber, step, total, etaS, taskProgress: this.overall() });
  }

  private async previewFromFile(sceneNumber: number, path: string): Promise<void> {
    const at = Date.now();
    const jpeg = await readFile(path).catch(() => null);
    if (jpeg) this.safely(() => this.events.emit('preview', { ...this.task, sceneNumber, jpeg, at }));
  }

  /** A listener's failure must never break a render. */
  private safely(emit: () => void): void {
    try {
      emit();
    } catch {
      // The listener logs its own errors; the render goes on.
    }
  }
}
