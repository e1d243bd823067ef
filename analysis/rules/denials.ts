// What a FlexNet DENIED line says about seats, defined once for the signals, the renewal brief and summary.json.
// FlexNet writes its error code at the end of the reason: "Licensed number of users already reached. (-4,342)".
// Only -4 is a pool out of free seats; other codes (a user on the EXCLUDE list, a feature or version the server
// does not carry) are refusals that more seats would not have avoided.

/** SQL: FlexNet's error code in a denial's reason column, or NULL when the reason names none. */
export const denialCodeSql = (reason: string): string => `TRY_CAST(regexp_extract(${reason}, '\\((-[0-9]+),[0-9]+\\)\\s*$', 1) AS INTEGER)`;

/** SQL: whether a denial was for want of a free seat (-4, or a reason naming no code, as a log may write it). */
export const seatDenialSql = (reason: string): string => `coalesce(${denialCodeSql(reason)} = -4, true)`;
