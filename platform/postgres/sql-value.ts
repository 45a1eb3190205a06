/** A value a statement takes as a parameter (never spliced into its text). */
export type SqlValue = string | number | boolean | null | Date | readonly (string | null)[] | readonly number[] | Buffer;
