import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The configured binary when given (it must be executable: silently using another
 * would hide a setup mistake), else the first `name` on PATH, else undefined.
 */
export function findExecutable(name: string, opts: { explicit?: string; setting: string; pathEnv?: string }): string | undefined {
  if (opts.explicit !== undefined && opts.explicit !== '') {
    if (!isExecutableFile(opts.explicit)) throw new Error(`${opts.setting} points to ${opts.explicit}, which is not an executable file`);
    return resolve(opts.explicit);
  }
  for (const dir of (opts.pathEnv ?? process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** A server process the suite or `npm start` owns: its output's tail, how it exited, and a stop that waits for it. */
export interface ChildServer {
  readonly child: ChildProcess;
  /** The last lines it wrote (stdout and stderr), for an error message. */
  tail(): string[];
  /** How it exited (`code 1`, `signal SIGKILL`, `spawn failed: …`); undefined while it runs. */
  exitInfo(): string | undefined;
  /** SIGTERM, then SIGKILL after the grace; resolves once it has exited. */
  stop(): Promise<void>;
}

export function spawnChildServer(opts: {
  binary: string;
  args: readonly string[];
  onLine?: (line: string) => void;
  tailLines?: number;
  stopGraceMs?: number;
}): ChildServer {
  const tailLines = opts.tailLines ?? 40;
  const child = spawn(opts.binary, [...opts.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > tailLines) tail.shift();
    opts.onLine?.(line);
  };
  pipeLines(child, 'stdout', onLine);
  pipeLines(child, 'stderr', onLine);

  // A server outliving its parent keeps its port busy (and its files locked).
  const killOnParentExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnParentExit);

  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolveExit) => {
    const markExited = (info: string): void => {
      exitInfo ??= info;
      process.off('exit', killOnParentExit);
      resolveExit();
    };
    child.once('exit', (code, signal) => markExited(signal !== null ? `signal ${signal}` : `code ${String(code)}`));
    // A failed spawn (ENOENT, EACCES) emits 'error' but never 'exit'.
    child.once('error', (err) => {
      if (child.pid === undefined) markExited(`spawn failed: ${err.message}`);
    });
  });

  let stopped: Promise<void> | undefined;
  return {
    child,
    tail: () => [...tail],
    exitInfo: () => exitInfo,
    stop() {
      stopped ??= (async () => {
        if (exitInfo !== undefined) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.stopGraceMs ?? 10_000);
        try {
          await exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopped;
    },
  };
}

/** Polls `ready` until it answers true; fails at once when the server has exited, or after the timeout. */
export async function waitUntilReady(
  server: Pick<ChildServer, 'exitInfo'>,
  ready: () => Promise<boolean>,
  opts: { timeoutMs: number; retryMs: number; lastError?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    const exit = server.exitInfo();
    if (exit !== undefined) throw new Error(`process exited early (${exit})`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, opts.retryMs));
  }
  const last = opts.lastError?.();
  throw new Error(`not ready after ${opts.timeoutMs} ms${last === undefined ? '' : ` (last error: ${last})`}`);
}

function pipeLines(child: ChildProcess, stream: 'stdout' | 'stderr', onLine: (line: string) => void): void {
  let buffered = '';
  const source = child[stream];
  if (source === null) return;
  source.setEncoding('utf8');
  source.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split(/\r?\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  });
  source.on('end', () => {
    if (buffered.trim() !== '') onLine(buffered);
  });
}
