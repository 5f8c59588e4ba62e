/**
 * The model server (`aegle serve`, and `aegle demo`, which ends by serving) runs in a child process
 * whose glibc malloc keeps the memory it frees. By default glibc hands freed memory at the top of its
 * heap back to the kernel (above 128 kB) and serves allocations over 128 kB–32 MB with fresh mappings,
 * so a server that reads and writes megabytes per request (a 10,000-row predict: the body's socket
 * chunks, its columns, the scored matrix, the prediction-log record SQLite copies) touches fresh pages
 * on every request. On this project's virtual machines a first touch costs about 9 µs: a 10,000-row
 * batch took ~1,000 such faults, 9 ms of its 62 ms of CPU. With `MALLOC_TRIM_THRESHOLD_` and
 * `MALLOC_MMAP_THRESHOLD_` set (glibc's documented environment tunables, read once at process start,
 * hence the child) those pages stay mapped and are reused; the cost is that the server's resident
 * memory stays at its high-water mark, as it does under jemalloc or tcmalloc. The child also gets a
 * larger V8 young generation (`SERVER_NODE_FLAGS`), unless the command's flags or NODE_OPTIONS set one.
 *
 * Only on Linux with glibc, only when neither variable is set already (a deployment's own choice wins),
 * not under `--inspect`, and not with `AEGLE_MALLOC_TUNING=0`. The parent forwards SIGINT, SIGTERM and SIGHUP to the child as
 * SIGTERM (its graceful shutdown; Ctrl-C in a terminal also reaches the child directly, and a second
 * signal is harmless), exits with the child's status, and if the parent dies the child shuts down.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';

/** The environment that tunes glibc's malloc for serving: keep up to 256 MB free; mmap only ≥ 32 MB. */
export const SERVER_MALLOC_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_TRIM_THRESHOLD_: String(256 << 20),
  MALLOC_MMAP_THRESHOLD_: String(32 << 20),
});

/**
 * V8's young generation for serving: semi-spaces of up to 64 MB instead of 16. A 10,000-row predict
 * allocates tens of megabytes of short-lived objects (the answer's 10,000 predictions, labels,
 * strings); with 16 MB semi-spaces they outlive two scavenges, are promoted, and fill the old
 * generation, so after a spell of other load (a server that had just answered 200,000 one-row requests
 * with factors) every batch started a full mark-compact: 26 in 30 batches, 89–135 ms of server CPU a
 * batch against 45–62 ms with 64 MB semi-spaces, which had none. V8 grows the semi-spaces only while
 * the allocation rate is high, so an idle server does not hold them.
 */
export const SERVER_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=64']);

/** The flags of `SERVER_NODE_FLAGS` that neither the command's own flags nor NODE_OPTIONS set already. */
export function serverNodeFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return SERVER_NODE_FLAGS.filter((f) => {
    const name = f.split('=')[0];
    return !given.some((g) => g === name || g.startsWith(`${name}=`));
  });
}

/** Set in the child, so it never relaunches itself. */
const CHILD_MARK = 'AEGLE_RELAUNCHED';

/** Whether `argv` (process.argv) runs the model server: `serve`, or `demo` without `--no-serve`. */
export function runsServer(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--home')
      i++; // the one global option with a value
    else if (!args[i].startsWith('-')) {
      command = args[i];
      break;
    }
  }
  if (command === 'serve') return !args.includes('--help') && !args.includes('-h');
  return (
    command === 'demo' && !args.includes('--no-serve') && !args.includes('--help') && !args.includes('-h')
  );
}

/** Whether this process should start the server in a tuned child instead of running it itself. */
export function shouldRelaunch(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  glibc: () => boolean,
  execArgv: readonly string[] = process.execArgv,
): boolean {
  if (env[CHILD_MARK] === '1' || env.AEGLE_MALLOC_TUNING === '0') return false;
  // under a debugger the server stays in the process being debugged (a child would also want its port)
  if (execArgv.some((a) => a.startsWith('--inspect'))) return false;
  if (Object.keys(SERVER_MALLOC_ENV).some((k) => env[k] !== undefined)) return false;
  // the server commands only; the C library is looked up last (a process report takes milliseconds)
  return runsServer(argv) && glibc();
}

/** Whether this Node runs on glibc (not musl, not another OS). */
export function onGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  return typeof header?.glibcVersionRuntime === 'string';
}

/**
 * Runs this same command in a child process with `SERVER_MALLOC_ENV` and `SERVER_NODE_FLAGS`; resolves with the exit code to
 * leave with (the child's; 128 + the signal's number if a signal ended it).
 */
export function relaunchServer(argv: readonly string[]): Promise<number> {
  const flags = serverNodeFlags(process.execArgv, process.env.NODE_OPTIONS);
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...SERVER_MALLOC_ENV, [CHILD_MARK]: '1' },
  });
  const forward = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`error: could not start the server process: ${e.message}\n`);
      resolve(70);
    });
    child.on('exit', (code, signal) =>
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)),
    );
  });
}

/**
 * In a relaunched child: shut down gracefully (as on SIGTERM) when the parent goes away, so a
 * parent killed outright does not leave a server behind. The channel does not keep the process alive.
 */
export function watchParent(): void {
  if (process.env[CHILD_MARK] !== '1' || !process.send) return;
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
}
