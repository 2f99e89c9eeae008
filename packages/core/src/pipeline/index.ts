export * from './transform';
export { abandonWork } from './work-dir';
