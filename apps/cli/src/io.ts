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
