export { autoMap, type AutoMapOptions, type AutoMapPlacement, type AutoMapResult } from './automap';
