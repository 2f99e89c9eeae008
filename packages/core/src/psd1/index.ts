export { importPsd1, type Psd1ImportOptions, type Psd1ImportResult, type Psd1Untranslated } from './import';
export { parsePsd1, type Psd1Entry, type Psd1Position, type Psd1Value } from './parse';
