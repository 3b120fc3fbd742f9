import type { ComponentProps, ReactNode } from "react";

/**
 * A table of the console: in the wrapper that scrolls it sideways on narrow screens, with one header row
 * naming `columns`; the rows are the children. Other props (`aria-label`, `data-testid`) go to `<table>`.
 */
export function Table({
  columns,
  children,
  ...table
}: { columns: readonly string[]; children: ReactNode } & ComponentProps<"table">) {
  return (
    <div className="table-wrap">
      <table {...table}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column}>{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
