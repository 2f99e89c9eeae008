import { randomBytes } from 'node:crypto';

/** A short random id for an open table, a check, a comparison or an upload (never guessable across sessions). */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('base64url')}`;
}

/** Keeps at most `max` entries, dropping the oldest (and letting it clean up) when a new one comes. */
export class BoundedMap<V> {
  private readonly entries = new Map<string, V>();

  constructor(
    private readonly max: number,
    private readonly onDrop: (value: V) => void = () => undefined,
  ) {}

  set(key: string, value: V): void {
    this.entries.set(key, value);
    while (this.entries.size > this.max) {
      const [oldest, dropped] = this.entries.entries().next().value as [string, V];
      this.entries.delete(oldest);
      this.onDrop(dropped);
    }
  }

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  delete(key: string): boolean {
    const value = this.entries.get(key);
    if (value === undefined) return false;
    this.entries.delete(key);
    this.onDrop(value);
    return true;
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }
}
