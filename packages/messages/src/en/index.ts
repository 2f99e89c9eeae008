/** The English catalogue, assembled from its sections. A translation is a folder like this one with the same keys. */
import { annotate } from './annotate';
import { app } from './app';
import { editors } from './editors';
import { findings } from './findings';
import { mapping } from './mapping';
import { services } from './services';

export const en = { ...app, ...editors, ...findings, ...mapping, ...annotate, ...services } as const;
