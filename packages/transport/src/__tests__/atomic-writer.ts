// Child process of fsutil.test.ts: rewrites one JSON file atomically, forever, announcing each completed
// version on stdout, until the parent kills it.
import { writeJsonAtomic } from '../fsutil';

const file = process.argv[2] as string;
const padding = 'x'.repeat(256 * 1024);
for (let version = 1; ; version += 1) {
  await writeJsonAtomic(file, { version, padding, check: version * 7 });
  process.stdout.write(`${version}\n`);
}
