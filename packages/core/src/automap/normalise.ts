/**
 * Header normalisation and string distance for auto-mapping. `Personnel No.`, `personnel_no` and
 * `PERSONNEL NO` must all look the same; `Prénom` must match `prenom`.
 */

/** Folds case, diacritics, spaces, underscores and punctuation away; `#` reads as "number". */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/#/g, 'number')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so `Frist Name` is one edit
 * from `First Name`). Stops early and returns `max + 1` once the distance is known to exceed `max`.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let j = 0; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      row[j] = d;
      rowMin = Math.min(rowMin, d, row[0] ?? 0);
    }
    if (rowMin > max) return max + 1;
  }
  return at(a.length, b.length);
}
