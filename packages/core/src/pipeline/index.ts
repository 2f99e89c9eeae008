export * from './transform';
