/**
 * The raw rows, virtualized: only the rows on screen are in the page, fetched from the services in pages as the
 * person scrolls, so 100,000 rows scroll as smoothly as 100. The scroll area takes the keyboard focus, so the
 * arrow and page keys scroll it.
 */
import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { t } from '@scimport/messages';
import { bridge } from '../client';
import type { ColumnView, RowView } from '../../shared/contract';

const PAGE = 200;
const ROW_HEIGHT = 30;
const COL_WIDTH = 150;
const HEAD_HEIGHT = 54;

export function RowGrid({ tableId, columns, rowCount, selected, onSelect, label }: {
  tableId: string;
  columns: ColumnView[];
  rowCount: number;
  selected?: number;
  onSelect?: (index: number) => void;
  label: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [rows, setRows] = useState<Map<number, RowView>>(new Map());
  const pending = useRef(new Set<number>());
  const virtualizer = useVirtualizer({ count: rowCount, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;

  useEffect(() => {
    setRows(new Map());
    pending.current.clear();
  }, [tableId]);

  useEffect(() => {
    for (let page = Math.floor(first / PAGE); page <= Math.floor(last / PAGE); page++) {
      const start = page * PAGE;
      if (pending.current.has(page) || start >= rowCount) continue;
      // A page fetched while the file was still loading is fetched again once more of its rows are there.
      if (rows.has(start) && rows.has(Math.min(rowCount - 1, start + PAGE - 1))) continue;
      pending.current.add(page);
      bridge
        .invoke('file:rows', { tableId, start, count: PAGE })
        .then((result) => {
          setRows((prev) => {
            const next = new Map(prev);
            for (const r of result.rows) next.set(r.index, r);
            return next;
          });
          pending.current.delete(page);
        })
        .catch(() => pending.current.delete(page));
    }
  }, [first, last, tableId, rowCount, rows]);

  const width = 64 + columns.length * COL_WIDTH;
  return (
    <div
      className="grid-wrap"
      ref={scrollRef}
      style={{ height: 460 }}
      tabIndex={0}
      role="region"
      aria-label={label}
    >
      <div role="table" aria-label={label} aria-rowcount={rowCount + 1} aria-colcount={columns.length + 1} style={{ width, height: virtualizer.getTotalSize() + HEAD_HEIGHT, position: 'relative' }}>
        <div role="rowgroup" className="grid-head" style={{ width, height: HEAD_HEIGHT }}>
          <div role="row" aria-rowindex={1} style={{ display: 'flex' }}>
            <div role="columnheader" className="cell rownum head">
              {t('app.editors.grid.row')}
            </div>
            {columns.map((c) => (
              <div role="columnheader" key={c.index} className="cell head" style={{ width: COL_WIDTH }} title={c.header}>
                {c.letter} · {c.header}
                <span className="coltype">{c.type}</span>
              </div>
            ))}
          </div>
        </div>
        <div role="rowgroup">
          {items.map((item) => {
            const row = rows.get(item.index);
            return (
              <div
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={onSelect ? selected === item.index : undefined}
                key={item.key}
                className={`grid-row ${selected === item.index ? 'selected' : ''}`}
                style={{ top: item.start + HEAD_HEIGHT, height: ROW_HEIGHT, width }}
                onClick={onSelect ? () => onSelect(item.index) : undefined}
              >
                <div role="rowheader" className="cell rownum">
                  {row?.row ?? ''}
                </div>
                {columns.map((c, i) => {
                  const text = row?.cells[i];
                  const error = row?.errors?.[c.letter];
                  return (
                    <div role="cell" key={c.index} className={`cell ${error ? 'bad' : text === null ? 'empty' : ''}`} style={{ width: COL_WIDTH }}>
                      {error ?? (text === null ? '' : (text ?? '…'))}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
