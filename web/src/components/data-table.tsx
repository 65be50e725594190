import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { Button, TableFrame } from './ui';

/**
 * A list page rendered by TanStack Table with server-side pagination: the
 * server returns one page and a cursor (OpenAI's `after` / `has_more`); the
 * table never holds more than one page.
 */
export interface CursorPager {
  pageIndex: number;
  hasMore: boolean;
  next(): void;
  previous(): void;
}

export function DataTable<T>(props: { caption: string; columns: ColumnDef<T, any>[]; rows: T[]; pager?: CursorPager; empty?: React.ReactNode; rowKey(row: T): string }) {
  const table = useReactTable({ data: props.rows, columns: props.columns, getCoreRowModel: getCoreRowModel(), manualPagination: true, getRowId: props.rowKey });
  return (
    <>
      <TableFrame caption={props.caption}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col">
                  {header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={props.columns.length} className="empty-cell">
                {props.empty ?? 'Nothing here yet.'}
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row) => (
              <tr key={row.id}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} data-label={typeof cell.column.columnDef.header === 'string' ? cell.column.columnDef.header : undefined}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </TableFrame>
      {props.pager && (props.pager.pageIndex > 0 || props.pager.hasMore) ? (
        <nav className="pager" aria-label={`${props.caption} pages`}>
          <Button onClick={props.pager.previous} disabled={props.pager.pageIndex === 0}>
            Previous page
          </Button>
          <span>Page {props.pager.pageIndex + 1}</span>
          <Button onClick={props.pager.next} disabled={!props.pager.hasMore}>
            Next page
          </Button>
        </nav>
      ) : null}
    </>
  );
}
