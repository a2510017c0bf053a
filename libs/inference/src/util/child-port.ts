/**
 * How a forked child process (the render worker, the planner process) talks to its parent: the
 * IPC channel, and an exit that lets pending writes flush. One implementation for both, so the
 * subtle parts (a send that resolves even when the parent is gone) live in one place.
 */
export interface ChildPort<Out> {
  /** Resolves once the message has been handed to the IPC channel (or the channel is gone). */
  send(message: Out): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent went away (or let go of this process): nobody will read results, so stop and exit. */
  onDisconnect(listener: () => void): void;
  exit(code: number): void;
}

export function processChildPort<Out>(proc: NodeJS.Process = process): ChildPort<Out> {
  return {
    send: (message) =>
      new Promise<void>((resolve) => {
        if (!proc.connected || !proc.send) return resolve();
        // The callback fires once the message is written (or fails because the parent left).
        proc.send(message, undefined, {}, () => resolve());
      }),
    onMessage: (listener) => proc.on('message', listener),
    onDisconnect: (listener) => proc.on('disconnect', listener),
    exit: (code) => {
      // Let pending IPC writes flush before the process ends.
      proc.exitCode = code;
      if (proc.connected) proc.disconnect();
      setImmediate(() => proc.exit(code));
    },
  };
}
