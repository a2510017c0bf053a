import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { StderrTail, childStoppedMessage } from './child-exit';
import { MiB, memoryLimitMessage, watchMemory, type MemoryWatchdog } from './memory-watchdog';

export interface SupervisedChildOptions {
  /** What the child is called in its exit reasons: 'render worker', 'planner process'. */
  name: string;
  entryPath: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the child's stderr is passed on as it comes (default: this process's stderr). */
  echo?: Writable;
  /**
   * Resident memory the child and its descendants may use, in MiB; past it the child is killed and
   * its exit says so. Also passed to V8 as --max-old-space-size, so the heap is collected instead of
   * growing past it. 0 or absent: no limit.
   */
  memoryLimitMb?: number;
}

export type ChildExitCause =
  /** Its parent asked it to stop (stop() or kill()). */
  | 'stopped'
  /** Killed for going over memoryLimitMb. */
  | 'memory'
  /** Anything else: a crash, an exit of its own, a signal from elsewhere, a failed start. */
  | 'crashed';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  cause: ChildExitCause;
  /** One sentence for a task's error or a log line. */
  reason: string;
}

interface SupervisedChildEvents {
  message: [unknown];
  exit: [ChildExit];
}

/**
 * A forked child process with the supervision both the planner process and the render workers
 * need, in one place: IPC, its stderr passed on and its tail kept (the last words say why it died
 * better than an exit code), an optional memory watchdog over the child and whatever it spawns,
 * a graceful stop (disconnect, then SIGKILL after a grace period) and one `exit` event that says
 * why it ended. `exit` comes after the child's stderr ended, so the tail is complete.
 */
export class SupervisedChild extends EventEmitter<SupervisedChildEvents> {
  readonly proc: ChildProcess;
  readonly exited: Promise<ChildExit>;
  private readonly stderr: StderrTail;
  private readonly watchdog?: MemoryWatchdog;
  private readonly memoryLimitMb: number;
  private cause: ChildExitCause | null = null;
  private causeReason = '';
  private ended = false;

  constructor(readonly options: SupervisedChildOptions) {
    super();
    this.memoryLimitMb = options.memoryLimitMb ?? 0;
    const execArgv = [...(options.execArgv ?? process.execArgv)];
    if (this.memoryLimitMb > 0) execArgv.push(`--max-old-space-size=${this.memoryLimitMb}`);
    this.proc = fork(options.entryPath, [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], execArgv, ...(options.env ? { env: options.env } : {}) });
    this.stderr = new StderrTail(this.proc.stderr!, options.echo ?? process.stderr);
    let resolveExit!: (exit: ChildExit) => void;
    this.exited = new Promise<ChildExit>((resolve) => (resolveExit = resolve));
    const end = (exit: ChildExit) => {
      if (this.ended) return;
      this.ended = true;
      this.watchdog?.stop();
      resolveExit(exit);
      this.emit('exit', exit);
    };
    this.proc.on('message', (message: unknown) => this.emit('message', message));
    this.proc.on('error', (err) => {
      // No pid: the fork itself failed, and no 'close' will follow.
      if (this.proc.pid === undefined) return end({ code: null, signal: null, cause: 'crashed', reason: `${options.name} could not start: ${err.message}` });
      this.kill('crashed', `${options.name} failed: ${err.message}`);
    });
    // Not 'close': it never comes for a child whose IPC channel the parent disconnected. The exit
    // is reported once stderr has ended too (so the tail holds the last words), or shortly after.
    const stderrEnded = new Promise<void>((resolve) => {
      if (this.proc.stderr!.readableEnded || this.proc.stderr!.destroyed) return resolve();
      this.proc.stderr!.once('close', resolve);
    });
    this.proc.on('exit', (code, signal) => {
      const late = new Promise<void>((resolve) => setTimeout(resolve, 500).unref());
      void Promise.race([stderrEnded, late]).then(() => {
        const cause = this.cause ?? 'crashed';
        const reason = this.cause ? this.causeReason : childStoppedMessage(options.name, signal, code, this.stderr.text, this.memoryLimitMb);
        end({ code, signal, cause, reason });
      });
    });
    if (this.memoryLimitMb > 0 && this.proc.pid !== undefined) {
      this.watchdog = watchMemory({
        pid: this.proc.pid,
        limitBytes: this.memoryLimitMb * MiB,
        onExceeded: (used) => this.kill('memory', memoryLimitMessage(this.memoryLimitMb * MiB, used, options.name)),
      });
    }
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return !this.ended && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Sends when the channel is open; false when it is not (the child has gone or is going). */
  send(message: unknown): boolean {
    if (!this.proc.connected) return false;
    this.proc.send(message as never);
    return true;
  }

  /**
   * Asks the child to finish and exit by closing its IPC channel (every child here exits when its
   * parent lets go), and kills it when it is still there after `graceMs`.
   */
  async stop(graceMs: number, reason = `${this.options.name} was stopped`): Promise<ChildExit> {
    this.cause ??= 'stopped';
    if (this.cause === 'stopped') this.causeReason ||= reason;
    if (this.alive) {
      if (this.proc.connected) this.proc.disconnect();
      const force = setTimeout(() => this.kill('stopped', reason), graceMs);
      force.unref();
      void this.exited.finally(() => clearTimeout(force));
    }
    return this.exited;
  }

  /** SIGKILL now; the exit carries `cause` and `reason` (the first given wins). */
  kill(cause: ChildExitCause = 'stopped', reason = `${this.options.name} was killed`): void {
    if (!this.cause) {
      this.cause = cause;
      this.causeReason = reason;
    }
    if (this.alive) this.proc.kill('SIGKILL');
  }
}
