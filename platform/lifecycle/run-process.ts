import type { Logger } from '../logging/logger.js';

class Interrupted extends Error {}

export interface ProcessControl {
  /** Registers how to stop what was just started; ends the start here if a signal came meanwhile. */
  started(stop: () => Promise<void>): void;
  /** Stops everything started so far, newest first (idempotent). */
  stopAll(): Promise<void>;
}

/**
 * Runs a process's start-up and keeps it until SIGINT or SIGTERM. A signal
 * can come while services are still starting: the start then unwinds after
 * its current step, stopping what it brought up, rather than the process
 * dying and leaving child services (embedded PostgreSQL, Temporal) running.
 * A second signal waits for the stop already under way.
 */
export async function runProcess(log: Logger, start: (control: ProcessControl) => Promise<void>): Promise<void> {
  const shutdown: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | undefined;
  let interrupted: NodeJS.Signals | undefined;
  let running = false;

  const control: ProcessControl = {
    started(stop) {
      shutdown.push(stop);
      if (interrupted !== undefined) throw new Interrupted(interrupted);
    },
    stopAll() {
      stopping ??= (async () => {
        for (const step of [...shutdown].reverse()) {
          await step().catch((error: unknown) => log.error('shutdown step failed', { error }));
        }
      })();
      return stopping;
    },
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      process.stdout.write(`\n${signal}: stopping…\n`);
      interrupted ??= signal;
      if (running) void control.stopAll().then(() => process.exit(process.exitCode ?? 0));
    });
  }

  try {
    await start(control);
    running = true;
  } catch (error) {
    if (!(error instanceof Interrupted)) log.error('start failed', { error });
    await control.stopAll();
    process.exit(error instanceof Interrupted ? (process.exitCode ?? 0) : 1);
  }
}
