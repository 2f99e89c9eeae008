/** Where a command writes. Tests pass buffers; the real CLI passes the process streams. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal: progress is drawn only then (never when piped). */
  interactive: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
    cwd: process.cwd(),
    env: process.env,
  };
}

/**
 * The exit status after the reader of stdout or stderr went away: 128 + SIGPIPE (13), what a shell reports for
 * `cat`, `grep` or `ls` in the same spot, so `set -o pipefail` scripts see what they expect of any command.
 */
export const CLOSED_PIPE_EXIT = 141;

/**
 * `scimport --help | head -1`, `scimport runs | less` closed early: the next write fails with EPIPE, which Node
 * reports as an unhandled 'error' event — a stack trace, for what is the reader's ordinary choice. A C program
 * would die of SIGPIPE there, silently; Node ignores SIGPIPE (restoring it would also kill the process on a socket
 * a server closed mid-upload), so end the same way by hand: at once, with nothing printed (the other stream may
 * be the closed one). Any other error of the streams stays as loud as before.
 */
export function endQuietlyOnClosedPipe(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr], exit: (code: number) => void = (code) => process.exit(code)): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') return exit(CLOSED_PIPE_EXIT);
      throw error;
    });
  }
}
