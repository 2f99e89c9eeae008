/** Microsoft's sample1 files as three feeds of one job (issue 14): one helper for the CLI's and the app's tests, which run one scenario. */

export const FEEDS = ['employees', 'contractors', 'interns'] as const;
export type Feed = (typeof FEEDS)[number];
/** Employees win over contractors over interns when two files list one person. */
export const RANK: Record<Feed, number> = { employees: 1, contractors: 2, interns: 3 };

/**
 * The imported Employee mapping as one feed's profile: its own name, feed and rank, leavers disabled. The same
 * mapping for all three files: the Contractor and Intern .psd1 read columns these CSVs lack (see the tests).
 */
export function feedProfile(base: Record<string, unknown>, feed: Feed): Record<string, unknown> {
  return { ...base, name: `Woodgrove ${feed}`, feed, precedence: RANK[feed], leavers: { policy: 'disable' } };
}

/** A CSV as lines; rows keyed by their first field, WorkerID (no field of these files holds a line break). */
export class Csv {
  constructor(
    readonly header: string,
    readonly rows: string[],
  ) {}
  static of(text: string): Csv {
    const [header, ...rows] = text.split(/\r?\n/).filter((l) => l !== '');
    return new Csv(header!, rows);
  }
  static id(row: string): string {
    return row.slice(1, row.indexOf('"', 1));
  }
  without(...ids: string[]): Csv {
    return new Csv(this.header, this.rows.filter((r) => !ids.includes(Csv.id(r))));
  }
  with(...rows: string[]): Csv {
    return new Csv(this.header, [...this.rows, ...rows]);
  }
  row(id: string): string {
    return this.rows.find((r) => Csv.id(r) === id)!;
  }
  count(id: string): number {
    return this.rows.filter((r) => Csv.id(r) === id).length;
  }
  text(): string {
    return [this.header, ...this.rows].join('\n') + '\n';
  }
}
