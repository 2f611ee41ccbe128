/**
 * Character codes of JSON's structure, shared by the scans that look into JSON text (strings,
 * `charCodeAt`) and JSON bytes (`Uint8Array`): the codes are the same in both.
 * @module
 */
export const SPACE = 32;
export const TAB = 9;
export const LF = 10;
export const CR = 13;
export const QUOTE = 34;
export const COMMA = 44;
export const COLON = 58;
export const BACKSLASH = 92;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
