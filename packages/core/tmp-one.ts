import { bothEngines, interpreted, compiled } from './src/mapping/fast/__tests__/engines';
const [e, input] = [process.argv[2]!, JSON.parse(process.argv[3] ?? '{}')];
const p = bothEngines(e, { mapping: e, lookups: { T: { x: 'X' } } });
console.log(p.fast.engine, p.fast.fallbackReason);
console.log('interp', await interpreted(p.slow, input));
console.log('fast  ', compiled(p.fast, input));
