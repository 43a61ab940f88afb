/**
 * The column of each field of a row type. Every field must be named and no other, so a row interface
 * and the SQL that reads it cannot drift apart; the migrations remain the one declaration of the tables.
 */
export type ColumnsOf<Row> = { readonly [K in keyof Row]-?: string };

/** The SELECT list that reads rows of that type: `"column" AS "field"`, or just `"field"` where the names match. */
export function selectList<Row>(columns: ColumnsOf<Row>): string {
  return Object.entries<string>(columns)
    .map(([field, column]) => (field === column ? `"${column}"` : `"${column}" AS "${field}"`))
    .join(', ');
}
