// JavaScript's String.prototype.trim() whitespace, for SQL that must treat text exactly as the JS code
// does: the native CSV reader trims cells with it, evidence.csv quotes fields edged by it.

/** The characters, for DuckDB's trim(text, characters). */
export const JS_WHITESPACE = ' \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

/** The same set as an RE2 character class, for regexp_matches (written inside a SQL string literal). */
export const JS_WHITESPACE_RE2 = '[ \\t\\n\\x0b\\x0c\\r\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}]';
