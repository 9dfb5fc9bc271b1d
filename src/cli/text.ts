/**
 * Text from a server, made safe for a terminal: control characters (ESC
 * sequences could retitle or clear it) are shown escaped.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
