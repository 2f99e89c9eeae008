import { benchUpload } from './upload';
for (const { label, value } of await benchUpload()) process.stdout.write(`${label}  ${value}\n`);
