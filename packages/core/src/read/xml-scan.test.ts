import { describe, expect, it } from 'vitest';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { XmlScanner, decodeEntities, readAttributes } from './xml-scan';

const SHEET = [
  '\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n',
  '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
  '<!-- a comment with <c> and > inside -->',
  '<x:sheetData>',
  '<x:row r="2" spans="1:3"><x:c r="A2" t="s" s=\'4\'><x:v>12</x:v></x:c>',
  '<x:c r="B2" t="inlineStr"><x:is><x:r><x:t xml:space="preserve"> a &amp; b\r\nc </x:t></x:r><x:rPh><x:t>ignored</x:t></x:rPh></x:is></x:c>',
  '<x:c r="C2" t="str"><x:f ref="C2:C3" t="shared" note="a>b">A2&gt;1</x:f><x:v>&#72;&#x69;</x:v></x:c>',
  '<x:c r="D2"/><x:c r="E2" s="1"><x:v/></x:c></x:row>',
  '<x:row r="3"/>',
  '<x:row><x:c><x:v><![CDATA[skipped]]>7</x:v></x:c></x:row>',
  '</x:sheetData></x:worksheet>\n',
].join('');

type Event = [string, string, Record<string, string>?];

function withScanner(chunks: string[]): Event[] {
  const events: Event[] = [];
  const values: (string | undefined)[] = [];
  const scanner = new XmlScanner({
    open(name, text, start, end) {
      readAttributes(text, start, end, ['r', 't', 's', 'note'], values);
      const attributes: Record<string, string> = {};
      ['r', 't', 's', 'note'].forEach((key, i) => {
        if (values[i] !== undefined) attributes[key] = values[i]!;
      });
      events.push(['open', name, attributes]);
    },
    close: (name) => events.push(['close', name]),
    text: (text) => events.push(['text', text]),
    wantsText: () => true,
  });
  for (const chunk of chunks) scanner.write(chunk);
  scanner.close();
  return merged(events);
}

function withSaxes(xml: string): Event[] {
  const events: Event[] = [];
  const parser = new SaxesParser();
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const attributes: Record<string, string> = {};
    for (const key of ['r', 't', 's', 'note']) if (tag.attributes[key] !== undefined) attributes[key] = tag.attributes[key]!;
    events.push(['open', tag.name, attributes]);
  });
  parser.on('closetag', (tag: SaxesTagPlain) => events.push(['close', tag.name]));
  parser.on('text', (text: string) => events.push(['text', text]));
  parser.write(xml).close();
  // saxes reports the whitespace around the root element as text; the scanner leaves it out.
  return merged(events).filter((e, i, all) => !(e[0] === 'text' && (i === 0 || i === all.length - 1) && e[1].trim().replace('\uFEFF', '') === ''));
}

/** Adjacent text events joined: how text is split into events does not matter to the reader. */
function merged(events: Event[]): Event[] {
  const out: Event[] = [];
  for (const event of events) {
    const last = out[out.length - 1];
    if (event[0] === 'text' && last?.[0] === 'text') last[1] += event[1];
    else out.push([...event] as Event);
  }
  return out;
}

describe('XmlScanner', () => {
  it('reports the same elements, attributes and text as saxes', () => {
    expect(withScanner([SHEET])).toEqual(withSaxes(SHEET));
  });

  it('gives the same result however the text is cut into chunks', () => {
    const whole = withScanner([SHEET]);
    for (let cut = 1; cut < SHEET.length; cut++) {
      expect(withScanner([SHEET.slice(0, cut), SHEET.slice(cut)])).toEqual(whole);
    }
    expect(withScanner([...SHEET])).toEqual(whole);
  });

  it.each([
    ['an unclosed element', '<a><b></b>'],
    ['a mismatched close tag', '<a><b></a></b>'],
    ['a part that ends inside a tag', '<a><b r="1"'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['text outside the root element', '<a/>junk'],
    ['a second root element', '<a/><b/>'],
    ['no root element at all', '   '],
  ])('refuses %s', (_what, xml) => {
    expect(() => {
      const scanner = new XmlScanner({ open() {}, close() {}, text() {}, wantsText: () => true });
      scanner.write(xml);
      scanner.close();
    }).toThrow();
  });

  it('decodes the predefined entities and character references', () => {
    expect(decodeEntities('&lt;&gt;&amp;&quot;&apos;&#233;&#x1F600;')).toBe('<>&"\'é😀');
    expect(() => decodeEntities('a & b')).toThrow();
  });
});
