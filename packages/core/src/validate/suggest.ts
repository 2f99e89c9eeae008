/**
 * "Did you mean …?" for attribute names. Spreadsheet-minded people write `user_name`, `Emial` or
 * `employee number`; comparing names without case and separators and then allowing a couple of typos
 * (optimal string alignment: substitutions, insertions, deletions and swapped neighbours) catches those
 * without suggesting nonsense for names that are simply different.
 */

function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s_.-]+/g, '');
}

/** Edit distance counting a swap of two neighbouring letters as one edit; stops early past `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  const first = rows[0]!;
  for (let j = 0; j <= b.length; j++) first[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    const prev = rows[i - 1]!;
    let best = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
  }
  return rows[a.length]![b.length]!;
}

/** How many edits a name of this length may be away from a candidate and still be suggested. */
function tolerance(length: number): number {
  if (length <= 4) return 1;
  if (length <= 8) return 2;
  return 3;
}

/** The closest candidate to `name`, or undefined when none is close enough or two are equally close. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const target = normalise(name);
  if (target === '') return undefined;
  const limit = tolerance(target.length);
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tie = false;
  for (const candidate of candidates) {
    const d = editDistance(target, normalise(candidate), limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance && d <= limit) {
      tie = true;
    }
  }
  return bestDistance <= limit && !tie ? best : undefined;
}
