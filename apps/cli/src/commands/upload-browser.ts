import { spawn } from 'node:child_process';
import { CliError } from '../errors';

/**
 * The command that opens `url` in the user's browser: `$BROWSER` when set (the usual convention, and how tests
 * stand in for a browser), else `open` on macOS, `rundll32 url.dll,FileProtocolHandler` on Windows (unlike
 * `cmd /c start`, it takes the URL as one argument, so `&` in the query is not a command separator), `xdg-open`
 * elsewhere.
 */
export function browserCommand(url: string, env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  // Only web addresses: anything else could be read as an option or a local program by the opener.
  if (!/^https?:\/\//i.test(url)) throw new CliError('USAGE', 'Only http(s) addresses are opened in the browser.');
  const browser = env.BROWSER?.trim();
  if (browser) return { command: browser, args: [url] };
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
  return { command: 'xdg-open', args: [url] };
}

/** Open `url` in the browser; resolves once the opener has started, rejects with a hint when it cannot. */
export function openInBrowser(url: string, env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): Promise<void> {
  const { command, args } = browserCommand(url, env, platform);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: platform !== 'win32', env: { ...process.env, ...env } as NodeJS.ProcessEnv });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(new CliError('USAGE', `No browser could be opened (${command}: ${error.code ?? error.message}). Sign in with --device-code instead, or set BROWSER to your browser's command.`));
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
